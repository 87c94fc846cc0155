//! A province-sized database for the HTTP figures when no generated one is at hand (`zhiyuan gen`
//! or `bench_oversight`): a province, 12 cities, 8 counties each, 4 townships per county with
//! one unit each, and N volunteers (default 1,000,000) imported per township through the ledger
//! import use case, with varied names (100 surnames, 60 given-name characters) and, set straight
//! in SQL afterwards, consented homes spread over Inner Mongolia (so the candidate index loads
//! them all). No activities or records: those belong to the oversight figures.

use zhiyuan_app::orgs::NewOrg;
use zhiyuan_app::teams::NewTeam;
use zhiyuan_app::Actor;
use zhiyuan_domain::id_number::check_char;

use crate::server::{self, Db};

const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const GIVEN: &str = "建国军华明伟强志海红梅丽英秀兰玉春林平德福文永刚勇杰涛斌峰辉鹏宇飞俊磊鑫波超亮东卫新利荣生金云龙凤霞燕";
const SKILLS: [&str; 6] = ["驾驶", "医疗救护", "", "水上救援", "", "电工"];

fn id_number(i: usize) -> String {
    let day = chrono::NaiveDate::from_ymd_opt(1955, 1, 1).expect("date")
        + chrono::Days::new((i / 1000) as u64 % 12_000);
    let first17 = format!("150525{}{:03}", day.format("%Y%m%d"), i % 1000);
    format!("{first17}{}", check_char(&first17))
}

fn name(i: usize) -> String {
    let s: Vec<char> = SURNAMES.chars().collect();
    let g: Vec<char> = GIVEN.chars().collect();
    // Skewed surnames (the first ones far more common), one or two given-name characters.
    let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let surname =
        s[((h >> 7) % 1000) as usize * ((h >> 17) % 1000) as usize / 1000 * s.len() / 1000];
    let a = g[((h >> 27) % g.len() as u64) as usize];
    let b = g[((h >> 37) % g.len() as u64) as usize];
    if (h >> 47).is_multiple_of(3) {
        format!("{surname}{a}")
    } else {
        format!("{surname}{a}{b}")
    }
}

fn ledger(from: usize, to: usize) -> Vec<u8> {
    let mut csv = zhiyuan_domain::recruitment::IMPORT_HEADERS.join(",") + "\n";
    for i in from..to {
        csv.push_str(&format!(
            "{},{},13{:09},是,{},{}\n",
            name(i),
            id_number(i),
            i,
            if i % 4 == 0 { "是" } else { "否" },
            SKILLS[i % SKILLS.len()]
        ));
    }
    csv.into_bytes()
}

pub async fn run(db_url: &str, volunteers: usize) {
    let t = std::time::Instant::now();
    let app = server::app(db_url).await;
    let sys = Actor::system("bench");
    let org = |name: String, level: &str, parent: Option<String>| NewOrg {
        name,
        level: level.to_owned(),
        parent_id: parent,
        ..Default::default()
    };
    let province = app
        .create_org(&sys, &org("内蒙古自治区".to_owned(), "province", None))
        .await
        .expect("province");
    let townships_total = 12 * 8 * 4;
    let per = volunteers.div_ceil(townships_total);
    let mut done = 0;
    for c in 0..12 {
        let city = app
            .create_org(
                &sys,
                &org(format!("第{}市", c + 1), "city", Some(province.id.clone())),
            )
            .await
            .expect("city");
        for k in 0..8 {
            let county = app
                .create_org(
                    &sys,
                    &org(
                        format!("第{}市第{}旗", c + 1, k + 1),
                        "county",
                        Some(city.id.clone()),
                    ),
                )
                .await
                .expect("county");
            for w in 0..4 {
                let town = app
                    .create_org(
                        &sys,
                        &org(
                            format!("{}第{}镇", county.name, w + 1),
                            "township",
                            Some(county.id.clone()),
                        ),
                    )
                    .await
                    .expect("township");
                app.create_team(
                    &sys,
                    &NewTeam {
                        name: format!("{}志愿服务队", town.name),
                        org_id: town.id.clone(),
                        parent_team_id: None,
                        echelon: "team".to_owned(),
                        specialty: None,
                    },
                )
                .await
                .expect("unit");
                let to = (done + per).min(volunteers);
                if to > done {
                    let r = app
                        .import_volunteers(&sys, &town.id, "ledger.csv", ledger(done, to))
                        .await
                        .expect("import");
                    assert_eq!(r.imported as usize, to - done, "{:?}", r.rejected.first());
                }
                done = to;
            }
        }
        println!(
            "  city {}/12: {done} volunteers, {:.0} s",
            c + 1,
            t.elapsed().as_secs_f64()
        );
    }
    drop(app);
    // Consented homes over Inner Mongolia (lat 40–48, lon 108–122), set in one statement.
    let db = Db::open(db_url).await;
    let sql = match db {
        Db::Lite(_) => {
            "UPDATE volunteers SET consent_location = TRUE, \
             home_lat = 40.0 + (abs(random()) % 800000) / 100000.0, \
             home_lon = 108.0 + (abs(random()) % 1400000) / 100000.0"
        }
        Db::Pg(_) => {
            "UPDATE volunteers SET consent_location = TRUE, \
             home_lat = 40.0 + random() * 8.0, home_lon = 108.0 + random() * 14.0"
        }
    };
    db.exec_all(vec![(sql, vec![])]).await;
    db.close().await;
    println!(
        "generated: 1 province, 12 cities, 96 counties, 384 townships and units, {done} volunteers in {:.0} s",
        t.elapsed().as_secs_f64()
    );
}
