//! `GET /board`: the chair board — every open session as a card (chair, initials, modality,
//! state, time since dosing, latest vital signs, alert badges, discharge readiness), redrawn
//! live by `static/app.js` from the `GET /api/v1/board/stream` events. The page carries the
//! board as it stood when served (the same JSON the API returns), so the first paint needs no
//! second request; `?large=1` (or the button) is the across-the-room mode.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::IntoResponse;
use ketaclinic_app::permissions::perm;
use serde::Deserialize;

use super::forms::PageQuery;
use super::{Ctx, Layout, PageResult, Section};
use crate::api::board::{BoardOut, BoardRowOut};

#[derive(Template, WebTemplate)]
#[template(path = "board.html")]
struct Page {
    layout: Layout,
    /// The board as JSON, for the script.
    initial: String,
    count: usize,
    large: bool,
}

/// `?large=1`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct BoardQuery {
    large: String,
}

/// `GET /board`.
pub(crate) async fn show(ctx: Ctx, PageQuery(q): PageQuery<BoardQuery>) -> PageResult {
    let grant = ctx.grant::<perm::ClinicalRead>().await?;
    let rows = ctx.state.app.board(&grant).await.map_err(|e| ctx.fail(e))?;
    let count = rows.len();
    let board = BoardOut { now: ctx.state.app.now(), sessions: rows.into_iter().map(BoardRowOut::from).collect() };
    let initial = serde_json::to_string(&board).unwrap_or_else(|_| "{}".to_owned());
    Ok(Page { layout: ctx.layout("Chair board", Section::Board), initial, count, large: q.large == "1" }.into_response())
}
