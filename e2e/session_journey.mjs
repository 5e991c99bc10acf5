// The IV ketamine session journey, on a tablet: the nurse books the patient into a chair, checks
// them in and takes the pre-dose vital signs; the pre-checks are refused until the prescriber
// overrides the missing eligibility decision with a reason; the nurse calculates the dose for
// today's weight on the session and documents the infusion (product, lot — entered after the
// fact with their real times), a reading above the
// alert line raises an alert that she acknowledges with what she did; the chair board shows the
// session and redraws by itself when a reading arrives from elsewhere; discharge is refused with
// the unmet criteria in words until MOAA/S 5 and the nurse's dissociation attestation are in,
// then allowed. Drives the system Chromium. Screenshots: target/e2e/session-NN-*.png.
import { strict as assert } from 'node:assert';
import { api, base, clockAgo, launch, login, nurseUser, post, prescriberUser, shots, snapper, text } from './lib.mjs';

const started = Date.now();
const browser = await launch();
const snap = snapper('session');
const t0 = Date.now();
const ago = clockAgo(t0);

let current;
try {
  const family = `Chair${Date.now().toString(36)}`;

  // Set-up: a patient with a signed IV ketamine consent (the prescriber writes the template).
  const prescriberContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const doctor = await prescriberContext.newPage();
  current = doctor;
  await login(doctor, prescriberUser);
  const patient = await api(doctor, 'POST', '/api/v1/patients', { given_name: 'Marta', family_name: family, birth_date: '1979-06-14', sex: 'female' });
  const template = await api(doctor, 'POST', '/api/v1/consent-templates', { modality: 'iv_ketamine', title: 'IV ketamine treatment consent', text: 'Risks, benefits and alternatives of IV ketamine were explained.' });
  await api(doctor, 'POST', `/api/v1/patients/${patient.id}/consents`, { template_id: template.id, template_version: 1, typed_name: `Marta ${family}`, signature_path: 'M10 40 L60 12 L110 40' });
  // A signed IV ketamine course, so the session is booked in it and the course page draws its series.
  const course = await api(doctor, 'POST', `/api/v1/patients/${patient.id}/courses`, { modality: 'iv_ketamine' });
  await api(doctor, 'POST', `/api/v1/courses/${course.id}/sign`);

  // 1. The nurse, on a tablet, books the chair from the patient's page.
  const nurseContext = await browser.newContext({ viewport: { width: 820, height: 1180 }, hasTouch: true });
  const nurse = await nurseContext.newPage();
  current = nurse;
  await login(nurse, nurseUser);
  await nurse.goto(`${base}/patients/${patient.id}`);
  await nurse.selectOption('#book-modality', 'iv_ketamine');
  await nurse.fill('#book-chair', 'Chair 3');
  await nurse.selectOption('#book-course', course.id);
  await Promise.all([nurse.waitForURL(/\/sessions\/[0-9a-f-]{36}$/), nurse.click('form.book-session button[type=submit]')]);
  const sessionUrl = nurse.url();
  const sessionId = sessionUrl.split('/').pop();
  assert.match(await text(nurse, 'h1'), /IV ketamine · Chair 3/);

  // 2. Check-in, the pre-dose reading, and pre-checks refused with the reasons in words.
  await post(nurse, '/events', async (f) => f.locator('input[name=at_time]').fill(ago(90)), 'Check in');
  await post(nurse, '/vitals', async (f) => {
    await f.locator('#v-sys').fill('132'); await f.locator('#v-dia').fill('84'); await f.locator('#v-hr').fill('74');
    await f.locator('#v-spo2').fill('98'); await f.locator('#v-rr').fill('14'); await f.locator('#at-vitals').fill(ago(88));
  });
  await nurse.check('input[name=identity_confirmed]');
  await nurse.check('input[name=medications_reviewed]');
  await nurse.fill('#pc-escort-name', 'Jonas Reed');
  await nurse.fill('#pc-escort-phone', '+1 212 555 0164');
  await nurse.check('input[name=pregnancy][value=not_pregnant]');
  await nurse.fill('#at-prechecks', ago(85));
  await snap(nurse, 'prechecks');
  await Promise.all([nurse.waitForLoadState('load'), nurse.click('form#prechecks button[type=submit]')]);
  const refusedChecks = await text(nurse, '#form-errors');
  assert.match(refusedChecks, /Pre-checks not complete/);
  assert.match(refusedChecks, /Eligibility decision current/);
  assert.doesNotMatch(refusedChecks, /Identity confirmed:/, 'the nurse confirmed identity');
  await snap(nurse, 'prechecks-refused');

  // 3. The prescriber opens the same session and overrides the eligibility check with a reason.
  current = doctor;
  await doctor.goto(sessionUrl);
  await doctor.check('input[name=identity_confirmed]');
  await doctor.check('input[name=medications_reviewed]');
  await doctor.fill('#pc-escort-name', 'Jonas Reed');
  await doctor.fill('#pc-escort-phone', '+1 212 555 0164');
  await doctor.check('input[name=pregnancy][value=not_pregnant]');
  await doctor.fill('#at-prechecks', ago(85));
  await doctor.locator('details.prechecks__overrides summary').click();
  await doctor.fill('#ov-eligibility_current', 'Approved at the consult this morning; the decision is being entered.');
  await Promise.all([doctor.waitForNavigation(), doctor.click('form#prechecks button[type=submit]')]);
  assert.match(await text(doctor, '#session-state'), /Ready to dose/);

  // 4. The nurse documents the infusion with its real times; a reading above the alert line.
  current = nurse;
  await nurse.goto(sessionUrl);
  await post(nurse, '/dose', async (f) => f.locator('#calc-weight').fill('80'));
  assert.match(await text(nurse, '#dose-result'), /0\.5 mg\/kg × 80\.00 kg = 40\.0 mg: 4\.00 mL of 10 mg\/mL in 104\.00 mL at 156\.0 mL\/h over 40 min/);
  assert.equal(await nurse.inputValue('#admin-dose'), '40.0', 'the calculated dose fills the start form');
  await snap(nurse, 'dose');
  await post(nurse, '/events', async (f) => {
    await f.locator('#admin-product').fill('Ketamine HCl 10 mg/mL, 10 mL vial'); await f.locator('#admin-lot').fill('KX-48213');
    await f.locator('#at-start').fill(ago(80));
  }, 'Start administration');
  assert.match(await text(nurse, '#session-state'), /Dosing/);
  // The rate was halved 15 minutes in, then the pump paused for 10 minutes (documented
  // afterwards with their times, through the API the pump integration uses).
  const isoAgo = (minutes) => new Date(t0 - minutes * 60000).toISOString();
  await api(doctor, 'POST', `/api/v1/sessions/${sessionId}/events`, { type: 'rate_changed', rate_ml_per_hour: 78, note: 'BP up: rate halved', at: isoAgo(65) });
  await api(doctor, 'POST', `/api/v1/sessions/${sessionId}/events`, { type: 'administration_paused', at: isoAgo(60) });
  await api(doctor, 'POST', `/api/v1/sessions/${sessionId}/events`, { type: 'administration_resumed', at: isoAgo(50) });
  await nurse.goto(sessionUrl);
  // The predicted plasma curve of the infusion as recorded — three running stretches — over the
  // band of the published racemic models, labelled a model estimate.
  assert.ok(await nurse.locator('#pk-curve svg polyline.pk-curve__line').isVisible(), 'the predicted curve is drawn');
  assert.ok(await nurse.locator('#pk-curve svg polygon.pk-curve__band').isVisible(), 'the band between the models is drawn');
  assert.equal(await nurse.locator('#pk-curve svg rect.pk-curve__window').count(), 3, 'three running stretches: before the rate change, after it, after the pause');
  const caption = await text(nurse, '#pk-curve figcaption');
  assert.match(caption, /Domino et al\. 1984 model: Cmax \d+ ng\/mL .* A model estimate, not a measurement\./);
  assert.match(caption, /The shaded band is the range of 4 published models \(Domino et al\. 1984, Kamp et al\. 2020, Clements et al\. 1981 and Hijazi et al\. 2003\); the line is Domino et al\. 1984\./);
  assert.match(caption, /The pale columns mark when the pump was running \(3 stretches\)\./);
  assert.match(await nurse.locator('#pk-curve-desc').textContent(), /A shaded band shows the range of 4 published models/);
  assert.match(await text(nurse, '#pk-curve svg'), /model estimate, not a measured level/);
  await nurse.locator('#pk-curve').scrollIntoViewIfNeeded();
  await snap(nurse, 'predicted-curve');
  await nurse.locator('#pk-curve').screenshot({ path: `${shots}/session-pk-curve.png` });
  await post(nurse, '/vitals', async (f) => {
    await f.locator('#v-sys').fill('186'); await f.locator('#v-dia').fill('98'); await f.locator('#v-hr').fill('96');
    await f.locator('#v-spo2').fill('97'); await f.locator('#at-vitals').fill(ago(70));
  });
  assert.match(await text(nurse, '#alerts'), /1 to acknowledge/);
  assert.match(await text(nurse, '#alerts'), /BP 186\/98/);
  await snap(nurse, 'alert');
  await post(nurse, '/acknowledge', async (f) => f.locator('input[name=note]').fill('Rechecked after 5 min: 168/92; infusion rate halved.'));
  assert.doesNotMatch(await text(nurse, '#alerts'), /to acknowledge/);
  assert.match(await text(nurse, '#alerts'), /Acknowledged .* Rechecked after 5 min/);
  await post(nurse, '/events', async (f) => f.locator('#at-stop1').fill(ago(40)), 'Stop infusion');
  assert.match(await text(nurse, '#session-state'), /Observing/);

  // 5. The chair board shows the chair and redraws when a reading arrives from the monitor.
  const boardPage = await nurseContext.newPage();
  current = boardPage;
  await boardPage.goto(`${base}/board`);
  const boardCard = boardPage.locator(`#card-${sessionId}`);
  await boardCard.waitFor();
  assert.match(await boardCard.textContent(), /Chair 3/);
  assert.match(await boardCard.textContent(), /M\. C\./, 'initials, not the name');
  assert.match(await boardCard.textContent(), /Observing/);
  await api(doctor, 'POST', `/api/v1/sessions/${sessionId}/vitals`, { readings: [{ at: new Date().toISOString(), systolic: 124, diastolic: 78, heart_rate: 70, spo2: 98, resp_rate: 14, device_id: 'monitor-3' }] });
  await boardPage.waitForFunction((id) => (document.getElementById(`card-${id}`)?.textContent ?? '').includes('BP 124/78'), sessionId, { timeout: 10000 });
  await snap(boardPage, 'board-live');
  // The open session page redrew too, without a reload.
  current = nurse;
  await nurse.waitForFunction(() => (document.querySelector('.vitals-now')?.textContent ?? '').includes('124/78'), null, { timeout: 10000 });

  // 6. Discharge refused with the unmet criteria, then allowed once they are met.
  await post(nurse, '/discharge', async () => {}, 'Discharge');
  const refused = await text(nurse, '#form-errors');
  assert.match(refused, /Not discharged/);
  assert.match(refused, /Fully alert \(MOAA\/S 5\)/);
  assert.match(refused, /Dissociation resolved/);
  await snap(nurse, 'discharge-refused');
  await nurse.check('.moaas-choices input[value="5"]');
  await post(nurse, '/moaas');
  await post(nurse, '/events', async () => {}, 'Dissociation resolved');
  assert.match(await text(nurse, '#discharge-criteria'), /Ready to leave/);
  await post(nurse, '/discharge', async () => {}, 'Discharge');
  assert.match(await text(nurse, '#session-state'), /Discharged/);
  assert.match(await text(nurse, '.session-timeline'), /Discharged/);
  await snap(nurse, 'discharged');
  await boardPage.waitForFunction((id) => !document.getElementById(`card-${id}`), sessionId, { timeout: 10000 });

  // 7. The course page draws the course's dosed sessions at their dates, with a table of peaks.
  current = nurse;
  await nurse.goto(`${base}/patients/${patient.id}/courses`);
  const series = nurse.locator(`#pk-series-${course.id}`);
  assert.ok(await series.locator('polyline.pk-series__line').first().isVisible(), 'the course series is drawn');
  assert.equal(await series.locator('polyline.pk-series__line').count(), 1, 'one dosed session so far');
  assert.match(await series.locator('figcaption').textContent(), /1 session, each drawn at its date .*Model estimate, not a measured level\./);
  // The pump ran 15 min at 156 mL/h, 5 min at 78 mL/h, paused 10 min, then 10 min at 78 mL/h
  // before the stop: 58.5 of the bag's 104 mL, so 40 mg × 58.5 / 104 = 22.5 mg was given.
  assert.match(await series.locator('table').textContent(), /23 mg.*ng\/mL/s);
  await series.scrollIntoViewIfNeeded();
  await snap(nurse, 'course-series');
  await series.screenshot({ path: `${shots}/session-course-series.png` });

  console.log(`session journey passed in ${((Date.now() - started) / 1000).toFixed(1)} s: session ${sessionId}; screenshots in ${shots}`);
} catch (err) {
  if (current) await current.screenshot({ path: `${shots}/session-failed.png`, fullPage: true }).catch(() => {});
  console.error(`session journey failed at ${current?.url()}; see ${shots}/session-failed.png`);
  throw err;
} finally {
  await browser.close();
}
