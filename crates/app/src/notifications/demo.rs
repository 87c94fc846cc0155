//! Demo data for reporting tasks and notifications: the banner asks every township (乡镇、
//! 街道、苏木) in its subtree for 003's registered-volunteer statistics table (attachment 5)
//! due in ten days, and the township of the `township` login has already submitted.
//! Everything goes through the use cases, as the people themselves would do it, so the admins
//! of every township get the task's notice.

use chrono::Duration;
use zhiyuan_domain::{Role, Scope};

use super::report_tasks::{NewReportSubmission, NewReportTask};
use crate::error::AppResult;
use crate::{clock, Actor, App};

/// The demo's task title (tests find the task by it).
pub const DEMO_TASK_TITLE: &str = "注册志愿者统计表（附件5）报送";

/// Loads the demo reporting task into the banner of the demo county, if there is one.
pub async fn load_into_demo(app: &App) -> AppResult<()> {
    let store = app.store();
    let Some(banner) = store
        .org_subtree("/", 10_000)
        .await?
        .into_iter()
        .find(|o| o.level == "county")
    else {
        return Ok(());
    };
    let county = Actor {
        org_id: Some(banner.id.clone()),
        scope: Scope::Org {
            org_path: banner.path.clone(),
        },
        is_super: false,
        ..Actor::system("演示数据")
    };
    let deadline = clock::now_ms() + Duration::days(10).num_milliseconds();
    let task = app
        .create_report_task(
            &county,
            &NewReportTask {
                title: DEMO_TASK_TITLE.into(),
                description:
                    "请各乡镇（苏木）按附件5格式统计本辖区注册志愿者人数、占常住人口比例，\
                              以及党政机关、企事业单位、学校的注册比例，加盖公章后扫描上传。"
                        .into(),
                deadline: clock::rfc3339(deadline),
                org_id: Some(banner.id.clone()),
                target_level: Some("township".into()),
            },
        )
        .await?;
    // The `township` login's township has already sent its table.
    let Some(user) = store.get_user_by_username("township").await? else {
        return Ok(());
    };
    let (Some(org_id), Ok(Role::Admin)) = (user.org_id.clone(), Role::parse(&user.role)) else {
        return Ok(());
    };
    let Some(org) = store.get_org(&org_id).await? else {
        return Ok(());
    };
    let township = Actor {
        user_id: user.id.clone(),
        username: user.username.clone(),
        org_id: Some(org.id.clone()),
        scope: Scope::Org { org_path: org.path },
        is_super: false,
        ..Actor::system("township")
    };
    app.submit_report(
        &township,
        &task.id,
        &NewReportSubmission {
            org_id: Some(org.id),
            note: "本乡镇注册志愿者统计已完成，纸质表已加盖公章报送旗退役军人事务局。".into(),
        },
        None,
    )
    .await?;
    Ok(())
}
