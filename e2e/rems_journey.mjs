// The esketamine session journey ending in a complete SPRAVATO REMS Patient Monitoring Form: a
// REMS-enrolled patient on a benzodiazepine is checked in, pre-checked (fasting, escort) and given
// three 28 mg devices five minutes apart, documented with their real times; blood pressure before
// dosing, at 40 minutes and before completion; mild dissociation that resolves; discharged after
// more than two hours; the form is
// then complete without retyping (84 mg, lot, duration, ready-to-leave minutes, BP at the three
// points, the benzodiazepine flagged), marked ready, and recorded as submitted from the queue with
// its 7-day deadline. Drives the system Chromium. Screenshots: target/e2e/rems-NN-*.png.
import { strict as assert } from 'node:assert';
import { api, base, clockAgo, launch, login, nurseUser, post, prescriberUser, shots, snapper, text } from './lib.mjs';

const started = Date.now();
const browser = await launch();
const snap = snapper('rems');
const t0 = Date.now();
const ago = clockAgo(t0);

let current;
try {
  const family = `Spray${Date.now().toString(36)}`;

  // Set-up (not what the journey is about): patient, SPRAVATO consent, REMS enrolment, a
  // benzodiazepine on the medication list.
  const prescriberContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const doctor = await prescriberContext.newPage();
  current = doctor;
  await login(doctor, prescriberUser);
  const patient = await api(doctor, 'POST', '/api/v1/patients', { given_name: 'Ilse', family_name: family, birth_date: '1983-03-09', sex: 'female' });
  const template = await api(doctor, 'POST', '/api/v1/consent-templates', { modality: 'esketamine_nasal', title: 'SPRAVATO treatment consent', text: 'SPRAVATO is given under the REMS; two hours of observation after the first device.' });
  await api(doctor, 'POST', `/api/v1/patients/${patient.id}/consents`, { template_id: template.id, template_version: 1, typed_name: `Ilse ${family}`, signature_path: 'M10 40 L60 12 L110 40' });
  const today = new Date(t0).toISOString().slice(0, 10);
  await api(doctor, 'POST', `/api/v1/patients/${patient.id}/rems-enrollment`, { enrolled_on: today, patient_signed: true, prescriber_signed: true });
  await api(doctor, 'POST', `/api/v1/patients/${patient.id}/chart/medication`, { name: 'lorazepam', dose: '0.5 mg at night' });

  // 1. The nurse books Chair 4, checks the patient in and takes the pre-dose blood pressure.
  const nurseContext = await browser.newContext({ viewport: { width: 820, height: 1180 }, hasTouch: true });
  const nurse = await nurseContext.newPage();
  current = nurse;
  await login(nurse, nurseUser);
  await nurse.goto(`${base}/patients/${patient.id}`);
  await nurse.selectOption('#book-modality', 'esketamine_nasal');
  await nurse.fill('#book-chair', 'Chair 4');
  await Promise.all([nurse.waitForURL(/\/sessions\/[0-9a-f-]{36}$/), nurse.click('form.book-session button[type=submit]')]);
  const sessionUrl = nurse.url();
  const sessionId = sessionUrl.split('/').pop();
  await post(nurse, '/events', async (f) => f.locator('input[name=at_time]').fill(ago(150)), 'Check in');
  await post(nurse, '/vitals', async (f) => {
    await f.locator('#v-sys').fill('130'); await f.locator('#v-dia').fill('82'); await f.locator('#v-hr').fill('72');
    await f.locator('#v-spo2').fill('99'); await f.locator('#v-rr').fill('14'); await f.locator('#at-vitals').fill(ago(145));
  });

  // 2. Pre-checks: the nurse's confirmations, and the prescriber's override of the eligibility
  // decision that is not in the system yet (consent and REMS enrolment pass on their own).
  current = doctor;
  await doctor.goto(sessionUrl);
  assert.match(await text(doctor, '#prechecks'), /SPRAVATO REMS enrolment/);
  await doctor.check('input[name=identity_confirmed]');
  await doctor.check('input[name=fasting_confirmed]');
  await doctor.check('input[name=medications_reviewed]');
  await doctor.fill('#pc-escort-name', 'Bruno Keller');
  await doctor.fill('#pc-escort-phone', '+1 212 555 0188');
  await doctor.check('input[name=pregnancy][value=not_pregnant]');
  await doctor.fill('#at-prechecks', ago(140));
  await doctor.locator('details.prechecks__overrides summary').click();
  await doctor.fill('#ov-eligibility_current', 'Approved at the consult; the decision is being entered.');
  await snap(doctor, 'prechecks');
  await Promise.all([doctor.waitForNavigation(), doctor.click('form#prechecks button[type=submit]')]);
  assert.match(await text(doctor, '#session-state'), /Ready to dose/);

  // 3. Three devices five minutes apart, the end of administration, the 40-minute and the
  // closing blood pressure, MOAA/S 5 and the dissociation attestation.
  current = nurse;
  await nurse.goto(sessionUrl);
  for (const minutes of [135, 130, 125]) {
    await post(nurse, '/events', async (f) => { await f.locator('#device-lot').fill('SPR-77120'); await f.locator('#at-device').fill(ago(minutes)); }, 'Device given');
  }
  assert.equal((await text(nurse, '.session-timeline').then((t) => t.match(/Device given/g) ?? [])).length, 3);
  await post(nurse, '/events', async (f) => f.locator('#at-stop1').fill(ago(124)), 'Last device given');
  // Dissociation during the session, recorded as a side effect (the form's item 9 needs it).
  await nurse.locator('details.session-more summary', { hasText: 'Side effect' }).click();
  await post(nurse, '/events', async (f) => {
    await f.locator('#se-effect').selectOption('dissociation');
    await f.locator('input[name=severity][value=mild]').check();
    await f.locator('#at-se').fill(ago(115));
  }, 'Record side effect');
  await post(nurse, '/vitals', async (f) => {
    await f.locator('#v-sys').fill('152'); await f.locator('#v-dia').fill('92'); await f.locator('#v-hr').fill('84');
    await f.locator('#v-spo2').fill('97'); await f.locator('#at-vitals').fill(ago(95));
  });
  await post(nurse, '/vitals', async (f) => {
    await f.locator('#v-sys').fill('128'); await f.locator('#v-dia').fill('80'); await f.locator('#v-hr').fill('72'); await f.locator('#v-spo2').fill('98');
  });
  await nurse.check('.moaas-choices input[value="5"]');
  await post(nurse, '/moaas');
  await post(nurse, '/events', async () => {}, 'Dissociation resolved');
  assert.match(await text(nurse, '#discharge-criteria'), /Ready to leave/);
  await snap(nurse, 'ready-to-leave');
  await post(nurse, '/discharge', async () => {}, 'Discharge');
  assert.match(await text(nurse, '#session-state'), /Discharged/);

  // 4. The REMS form, produced from the session: complete after one answer (no serious adverse
  // event), then ready, then submitted from the queue with its confirmation number.
  current = doctor;
  // The doctor's tab still shows the live session page, whose script reloads it when the
  // session changes (the discharge just now); leave it first so that reload cannot overtake
  // the navigation to the form (a CI run once saw exactly that).
  await doctor.goto('about:blank');
  await doctor.goto(`${base}/sessions/${sessionId}/rems-form`);
  const form = await text(doctor, '.rems-form');
  for (const expected of [/84 mg/, /SPR-77120/, /130\/82/, /152\/92/, /128\/80/, /Benzodiazepines\s*Yes/]) assert.match(form, expected, `${expected} on the form`);
  await doctor.check('input[name=serious_adverse_event][value=no]');
  await Promise.all([doctor.waitForNavigation(), doctor.click('form[action$="/rems-form/answers"] button[type=submit]')]);
  assert.match(await text(doctor), /The form is complete/);
  await snap(doctor, 'form-complete');
  await Promise.all([doctor.waitForNavigation(), doctor.click('form[action$="/status"] button:has-text("Mark ready")')]);
  await doctor.goto(`${base}/rems-forms`);
  const row = doctor.locator('tr, li, article').filter({ hasText: family }).first();
  assert.match(await row.textContent(), /ready/i);
  await snap(doctor, 'queue');
  await doctor.goto(`${base}/sessions/${sessionId}/rems-form`);
  await doctor.fill('#confirmation', 'REMS-2026-004417');
  await Promise.all([doctor.waitForNavigation(), doctor.click('form[action$="/status"] button:has-text("Record submission")')]);
  assert.match(await text(doctor), /confirmation REMS-2026-004417/);
  await snap(doctor, 'submitted');

  console.log(`REMS journey passed in ${((Date.now() - started) / 1000).toFixed(1)} s: session ${sessionId}; screenshots in ${shots}`);
} catch (err) {
  if (current) await current.screenshot({ path: `${shots}/rems-failed.png`, fullPage: true }).catch(() => {});
  console.error(`REMS journey failed at ${current?.url()}; see ${shots}/rems-failed.png`);
  throw err;
} finally {
  await browser.close();
}
