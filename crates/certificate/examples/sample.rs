//! Writes a sample certificate to look at:
//! `cargo run -p zhiyuan-certificate --example sample -- /tmp/cert.pdf [service-lines]`.

use zhiyuan_certificate::{render_pdf, CertificateData};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "certificate.pdf".into());
    let lines: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(6);
    let projects = [
        "牵手夕阳·探望空巢老人",
        "最美逆行·防汛应急演练",
        "乡村振兴·网格巡查",
        "老兵不老·青少年国防教育讲座",
    ];
    let data = CertificateData {
        title: "志愿服务证明".into(),
        volunteer_name: "张建国".into(),
        id_type: "居民身份证".into(),
        id_number_masked: "1505**********123X".into(),
        volunteer_no: "NM150502-000123".into(),
        period: "2026年1月1日至2026年11月23日".into(),
        total_hours: "36.5".into(),
        content_lines: (0..lines)
            .map(|i| {
                format!(
                    "{}，2026年{}月{}日，{}小时",
                    projects[i % projects.len()],
                    i % 11 + 1,
                    i % 27 + 1,
                    (i % 4) as f32 * 0.5 + 2.0
                )
            })
            .collect(),
        issuer: "科尔沁区退役军人服务中心志愿服务队".into(),
        person_in_charge: "李卫东".into(),
        handler: "王晓梅".into(),
        contact: "0475-8212345".into(),
        certificate_no: "ZYZM-2026-150502-000042".into(),
        issue_date: "2026年11月23日".into(),
        notes: "本证明依据志愿服务记录出具，时长为实际服务时间，不含往返路程。".into(),
        verify_url: "https://zhiyuan.example.cn/verify/Q2VydC0wMDA0Mi5zaWduYXR1cmU".into(),
    };
    let pdf = render_pdf(&data)?;
    std::fs::write(&path, &pdf)?;
    println!("{path}: {} bytes", pdf.len());
    Ok(())
}
