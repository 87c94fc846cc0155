//! The volunteer import of API.md with every kind of bad row and file.

use zhiyuan_sheets::hostile::{
    many_short_shared_strings, one_long_shared_string, one_row_of_cells, GIB,
};
use zhiyuan_sheets::rust_xlsxwriter::{Formula, Workbook};
use zhiyuan_sheets::{read, MAX_CELLS, MAX_SHARED_STRINGS_BYTES};

use super::{download, tree, upload};
use crate::harness::{id_number, spawn};

const HEADER: &str = "姓名,身份证号码,手机号码,退役军人,中共党员,技能";
const PATH_PREFIX: &str = "/api/v1/imports/volunteers?org_id=";

fn rejected_rows(r: &serde_json::Value) -> Vec<(u64, String, String)> {
    r["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["row"].as_u64().unwrap(),
                x["field"].as_str().unwrap().to_owned(),
                x["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn csv_import_takes_good_rows_reports_bad_ones_and_never_adds_twice() {
    let t = spawn().await;
    let tr = tree(&t, (1, 10)).await;
    // A volunteer registered before the import.
    t.post(
        "/api/v1/volunteers",
        &t.root,
        crate::harness::volunteer_body("赵志刚", &tr.village, 50),
    )
    .await
    .expect(201);
    let existing = id_number("19800101", 50);
    let csv = format!(
        "{HEADER}\n\
         王建国,{a},13800000001,是,是,驾驶、急救\n\
         张,{b},13800000002,是,否,\n\
         李明,{c},12345,也许,否,\n\
         刘洋,{a},13800000003,否,否,\n\
         赵志刚,{existing},13800000004,是,否,\n\
         \n\
         陈刚,{d},13800000005,否,是,无人机\n",
        a = id_number("19800101", 1),
        b = id_number("19800101", 2),
        c = "150525198001010019",
        d = id_number("19850101", 3),
    );
    let path = format!("{PATH_PREFIX}{}", tr.village);
    let r = upload(&t, &tr.village_admin, &path, "ledger.csv", csv.as_bytes())
        .await
        .expect(200);
    assert_eq!(r.body["imported"], 2, "{}", r.text);
    assert_eq!(
        rejected_rows(&r.body),
        [
            (3, "name".to_owned(), "name_invalid".to_owned()),
            (
                4,
                "id_number".to_owned(),
                "id_number_check_digit".to_owned()
            ),
            (4, "phone".to_owned(), "phone_invalid".to_owned()),
            (4, "veteran".to_owned(), "yes_no_invalid".to_owned()),
            (5, "id_number".to_owned(), "duplicate_in_file".to_owned()),
            (6, "id_number".to_owned(), "already_registered".to_owned()),
        ]
    );
    // Re-upload: nobody twice.
    let again = upload(&t, &tr.village_admin, &path, "ledger.csv", csv.as_bytes())
        .await
        .expect(200);
    assert_eq!(again.body["imported"], 0);
    let vols = t
        .get(
            &format!("/api/v1/volunteers?org_id={}&per_page=200", tr.village),
            &t.root,
        )
        .await
        .expect(200);
    assert_eq!(vols.body["total"], 3);
    assert!(
        !vols.text.contains(&id_number("19800101", 1)),
        "no whole ID number in a read"
    );
    // The import is audited per volunteer and as a whole.
    let audit = t
        .get("/api/v1/audit?per_page=200", &t.root)
        .await
        .expect(200);
    assert!(audit.text.contains("volunteer.import") && audit.text.contains("import.volunteers"));
}

#[tokio::test]
async fn bad_files_answer_422_and_write_nothing() {
    let t = spawn().await;
    let tr = tree(&t, (1, 10)).await;
    let path = format!("{PATH_PREFIX}{}", tr.village);
    let row = format!(
        "王建国,{},13800000001,是,是,驾驶\n",
        id_number("19800101", 1)
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "wrong.csv",
            format!("姓名,手机号码\n{row}").into_bytes(),
            "import_header_invalid",
        ),
        (
            "gbk.csv",
            {
                let mut b = format!("{HEADER}\n").into_bytes();
                b.extend_from_slice(b"\xCD\xF5\xBD\xA8\xB9\xFA,1,2,3,4,5\n");
                b
            },
            "csv_not_utf8",
        ),
        (
            "corrupt.xlsx",
            b"PK\x03\x04this is not a workbook".to_vec(),
            "xlsx_corrupt",
        ),
        ("empty.csv", Vec::new(), "file_empty"),
        (
            "old.xls",
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec(),
            "file_format_unsupported",
        ),
    ];
    for (name, bytes, code) in cases {
        upload(&t, &tr.village_admin, &path, name, &bytes)
            .await
            .expect_error(422, code, Some("file"));
    }
    // Huge: a sheet claiming a cell in its last row.
    let mut book = Workbook::new();
    let bytes = {
        let s = book.add_worksheet();
        for (c, h) in HEADER.split(',').enumerate() {
            s.write_string(0, c as u16, h).unwrap();
        }
        s.write_string(1_048_575, 0, "x").unwrap();
        book.save_to_buffer().unwrap()
    };
    upload(&t, &tr.village_admin, &path, "huge.xlsx", &bytes)
        .await
        .expect_error(422, "too_many_rows", Some("file"));
    let vols = t.get("/api/v1/volunteers", &t.root).await.expect(200);
    assert_eq!(vols.body["total"], 0);
    // Out of scope, and not an admin.
    let other = t.org(&t.root, "其他旗", "county", None).await;
    upload(
        &t,
        &tr.village_admin,
        &format!("{PATH_PREFIX}{other}"),
        "a.csv",
        HEADER.as_bytes(),
    )
    .await
    .expect_error(403, "out_of_scope", Some("org_id"));
}

/// Decompression bombs and runaway rows (zhiyuan_sheets::hostile): each answers its budget's
/// 422 in the error shape with a zh-CN message, and nothing is written.
#[tokio::test]
async fn hostile_files_answer_their_budget_error_and_write_nothing() {
    let t = spawn().await;
    let tr = tree(&t, (1, 10)).await;
    let path = format!("{PATH_PREFIX}{}", tr.village);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        // One 1 GiB shared string in a file of about 1 MiB: stopped at the cell budget.
        ("bomb.xlsx", one_long_shared_string(GIB), "cell_too_long"),
        (
            "strings.xlsx",
            many_short_shared_strings(MAX_SHARED_STRINGS_BYTES + (1 << 20)),
            "xlsx_too_large_unpacked",
        ),
        (
            "cells.xlsx",
            one_row_of_cells(MAX_CELLS as u64 + 1),
            "too_many_cells",
        ),
        ("commas.csv", vec![b','; MAX_CELLS], "too_many_cells"),
    ];
    for (name, bytes, code) in cases {
        let r = upload(&t, &tr.village_admin, &path, name, &bytes)
            .await
            .expect_error(422, code, Some("file"));
        let message = r.body["error"]["message"].as_str().unwrap();
        assert!(
            message
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{message}"
        );
    }
    let vols = t.get("/api/v1/volunteers", &t.root).await.expect(200);
    assert_eq!(vols.body["total"], 0);
}

#[tokio::test]
async fn xlsx_import_refuses_formula_cells_and_reads_numbers_as_typed() {
    let t = spawn().await;
    let tr = tree(&t, (1, 10)).await;
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    for (c, h) in HEADER.split(',').enumerate() {
        s.write_string(0, c as u16, h).unwrap();
    }
    s.write_string(1, 0, "王建国").unwrap();
    s.write_string(1, 1, id_number("19800101", 1)).unwrap();
    s.write_number(1, 2, 13800000001.0).unwrap();
    s.write_string(1, 3, "是").unwrap();
    s.write_string(2, 0, "李卫东").unwrap();
    s.write_string(2, 1, id_number("19800101", 2)).unwrap();
    s.write_formula(
        2,
        2,
        Formula::new("=13800000000+2").set_result("13800000002"),
    )
    .unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let path = format!("{PATH_PREFIX}{}", tr.village);
    let r = upload(&t, &tr.village_admin, &path, "ledger.xlsx", &bytes)
        .await
        .expect(200);
    assert_eq!(r.body["imported"], 1);
    assert_eq!(
        rejected_rows(&r.body),
        [(3, "phone".to_owned(), "formula_not_allowed".to_owned())]
    );
}

#[tokio::test]
async fn template_reads_back_and_background_jobs_report_progress() {
    let t = spawn().await;
    let tr = tree(&t, (1, 10)).await;
    let (status, bytes) = download(
        &t,
        &tr.village_admin,
        "/api/v1/imports/volunteers/template.xlsx",
    )
    .await;
    assert_eq!(status, 200);
    let rows = read("t.xlsx", &bytes).unwrap();
    assert_eq!(rows[0].texts(), HEADER.split(',').collect::<Vec<_>>());
    // A background import of 3,000 rows, polled to the end.
    let mut csv = format!("{HEADER}\n");
    for i in 0..3000u32 {
        let birth = format!("19{:02}0101", 60 + i / 1000);
        csv.push_str(&format!(
            "王志{},{},138{:08},是,否,\n",
            ["军", "强", "伟"][(i % 3) as usize],
            id_number(&birth, i % 1000),
            i
        ));
    }
    let r = upload(
        &t,
        &tr.village_admin,
        &format!("{PATH_PREFIX}{}&background=true", tr.village),
        "big.csv",
        csv.as_bytes(),
    )
    .await
    .expect(202);
    let job = r.id();
    // However long the worker takes: the test runner's timeout is the only limit.
    let last = loop {
        let job = t
            .get(&format!("/api/v1/imports/{job}"), &tr.village_admin)
            .await
            .expect(200)
            .body;
        if job["status"] != "running" {
            break job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(last["status"], "done", "{last}");
    assert_eq!(last["imported"], 3000);
    assert_eq!(last["percent"], 100);
    // Another township's admin can't see the job.
    t.get(&format!("/api/v1/imports/{job}"), &tr.township_admin)
        .await
        .expect(200);
    let other = t.org(&t.root, "其他旗", "county", None).await;
    let outsider = t.account(&t.root, "outsider", "admin", &other).await;
    t.get(&format!("/api/v1/imports/{job}"), &outsider)
        .await
        .expect_error(404, "not_found", None);
}
