//! The demo's controlled-substance register: an initial inventory of zero, then deliveries of
//! ketamine vials and SPRAVATO kits into two safes, and the draws of the dosed demo chairs —
//! Chair 1's 40 mg from a 10 mg/mL vial (4.2 mL drawn, 4 mL given, 0.2 mL wasted with the
//! prescriber witnessing) and Chair 2's two esketamine devices — so the register reconciles
//! with the sessions. Everything goes through the use cases, audited like any other record.

use anyhow::Context;
use jiff::ToSpan;
use ketaclinic_app::App;
use ketaclinic_app::permissions::perm;
use ketaclinic_app::register::{CountInput, DrawInput, ReceiptInput, WasteInput, WitnessCredentials};

use crate::demo::{STAFF, staff_actor};
use crate::demo_sessions::DosedChairs;

/// Seeds the register.
pub async fn seed(app: &App, admin: &ketaclinic_app::Granted<perm::UserManage>, chairs: &DosedChairs) -> anyhow::Result<()> {
    let nurse = staff_actor(app, admin, 1).await?;
    let prescriber = staff_actor(app, admin, 2).await?;
    let manage = app.authorize::<perm::InventoryManage>(&prescriber).await?;
    let safe_a = app.add_register_location(&manage, "Safe A (treatment room)").await?.id;
    let safe_b = app.add_register_location(&manage, "Safe B (office)").await?.id;

    // The initial inventory, taken before the first delivery: zero is a valid inventory.
    let count = app.authorize::<perm::InventoryCount>(&prescriber).await?;
    let initial = app.start_count(&count, CountInput { kind: "initial".into(), timing: "opening_of_business".into(), location_id: None }).await?;
    app.sign_count(&count, initial.id, initial.version).await?;

    let receive = app.authorize::<perm::InventoryReceive>(&nurse).await?;
    let today = app.settings().timezone.to_datetime(app.now()).date();
    let delivery = |product: &str, lot: &str, packages: u32, location| ReceiptInput {
        supplier_name: "Northwind Medical Supply (fictional)".into(),
        supplier_address: "400 Example Parkway, Springfield, ST 00000".into(),
        supplier_dea: "RN1234563".into(),
        invoice: format!("NW-{lot}"),
        received_on: today.checked_sub(7.days()).unwrap_or(today).to_string(),
        product_id: product.into(),
        lot: lot.into(),
        expiry: today.checked_add(14.months()).unwrap_or(today).to_string(),
        packages,
        location_id: location,
    };
    let k10 = app.receive_stock(&receive, delivery("ketamine-10mg-ml-20ml", "DEMO-K-0425", 5, safe_a)).await?;
    let esk = app.receive_stock(&receive, delivery("spravato-56mg-kit", "DEMO-S-1187", 3, safe_a)).await?;
    app.receive_stock(&receive, delivery("ketamine-50mg-ml-10ml", "DEMO-K-5012", 2, safe_b)).await?;

    let draw = app.authorize::<perm::InventoryDraw>(&nurse).await?;
    let vial = k10.containers.first().context("demo vial")?.id;
    let drawn = app.draw_for_session(&draw, vial, DrawInput { session_id: chairs.iv, volume_ul: Some(4_200) }).await?;
    let draw_id = drawn.entries.first().context("demo draw")?.entry.id;
    app.administer_draw(&draw, vial, draw_id, Some(4_000)).await?;
    let (_, witness_email, _, witness_password) = STAFF[2];
    let waste = WasteInput {
        volume_ul: None,
        reason: "Overdraw discarded after the dose was added to the bag".into(),
        witness: WitnessCredentials { email: witness_email.into(), password: witness_password.into() },
    };
    app.waste_draw(&draw, vial, draw_id, waste).await?;
    for device in esk.containers.iter().take(2) {
        let taken = app.draw_for_session(&draw, device.id, DrawInput { session_id: chairs.esketamine, volume_ul: None }).await?;
        let id = taken.entries.first().context("demo device draw")?.entry.id;
        app.administer_draw(&draw, device.id, id, None).await?;
    }
    Ok(())
}
