// The eligibility journey, first call to decision: a member of the public asks for a call back;
// the front desk sees it in the queue with its due time, logs the call that reached them, books
// the consult and converts the enquiry into a patient; a prescriber opens the patient, records
// the evaluation (adult, MDD F33.2, two adequate failed trials, normal vitals), sees the
// esketamine eligibility, signs the evaluation and approves. Drives the system Chromium (never a
// downloaded browser). Screenshots go to target/e2e/ as eligibility-NN-*.png.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { strict as assert } from 'node:assert';

const base = process.env.KETACLINIC_URL ?? 'http://127.0.0.1:8080';
const shots = process.env.KETACLINIC_SCREENSHOTS ?? '../target/e2e';
const frontDesk = { email: process.env.E2E_FRONTDESK_EMAIL, password: process.env.E2E_FRONTDESK_PASSWORD };
const prescriber = { email: process.env.E2E_PRESCRIBER_EMAIL, password: process.env.E2E_PRESCRIBER_PASSWORD };
mkdirSync(shots, { recursive: true });
const started = Date.now();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let step = 0;
const snap = async (page, name) => page.screenshot({ path: `${shots}/eligibility-${String(++step).padStart(2, '0')}-${name}.png`, fullPage: true });
const text = async (page, selector = 'main') => (await page.textContent(selector)) ?? '';

async function login(page, who) {
  await page.goto(`${base}/login`);
  await page.fill('input[name=email]', who.email);
  await page.fill('input[name=password]', who.password);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/login')), page.click('form[action^="/login"] button[type=submit]')]);
}

// Submits by clicking `button` and waits for the navigation to a URL matching `url`.
async function submit(page, button, url) {
  await Promise.all([page.waitForURL(url), button.click()]);
}

let current; // the page in use, for a screenshot when a step fails
try {
  const family = `Eligible${Date.now().toString(36)}`;
  const caller = `Jordan ${family}`;

  // 1. A member of the public asks for a call back (no account, their own browser).
  const publicContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const visitor = await publicContext.newPage();
  current = visitor;
  await visitor.goto(`${base}/enquire`);
  await visitor.fill('input[name=name]', caller);
  await visitor.fill('input[name=phone]', '+1 212 555 0142');
  await visitor.fill('input[name=best_time]', 'Weekday mornings');
  await visitor.fill('textarea[name=message]', 'My psychiatrist mentioned esketamine; two antidepressants have not helped.');
  await visitor.check('input[name=consent_to_contact]');
  await snap(visitor, 'public-enquiry');
  // The thanks page answers the POST at the same address: wait for its content.
  await visitor.click('form[action="/enquire"] button[type=submit]');
  await visitor.waitForSelector('.enquire__due');
  assert.match(await text(visitor), /We will call you back by \w+ \d{1,2} \w+ at \d{2}:\d{2}/);
  await snap(visitor, 'public-thanks');
  await publicContext.close();

  // 2. The front desk works the queue: due time, a reached call, consult booked, conversion.
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  current = page;
  await login(page, frontDesk);
  await page.goto(`${base}/enquiries`);
  const card = () => page.locator('article.enquiry-card', { hasText: caller });
  assert.match(await card().locator('.enquiry-card__facts').textContent(), /Call back by\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  await snap(page, 'queue');
  await card().locator('select[name=channel]').selectOption('phone');
  await card().locator('select[name=outcome]').selectOption('reached');
  await card().locator('textarea[name=note]').fill('Reached; consult booked for Tuesday 10:00.');
  await submit(page, card().locator('form[action$="/attempts"] button[type=submit]'), /\/enquiries\?done=attempt/);
  assert.match(await card().textContent(), /1 contact attempt/);
  await card().locator('select[name=status]').selectOption('consult_booked');
  await submit(page, card().locator('form[action$="/status"] button[type=submit]'), /\/enquiries\?done=consult_booked/);
  await snap(page, 'consult-booked');
  await submit(page, card().getByRole('link', { name: /Convert to patient/ }), /\/enquiries\/[0-9a-f-]{36}\/convert$/);
  await page.fill('input[name=given_name]', 'Jordan');
  await page.fill('input[name=family_name]', family);
  await page.fill('input[name=birth_date]', '1984-03-09');
  await page.selectOption('select[name=sex]', 'female');
  await snap(page, 'convert');
  await submit(page, page.locator('form[action$="/convert"] button[type=submit]'), /\/patients\/[0-9a-f-]{36}(\?.*)?$/);
  const patientId = new URL(page.url()).pathname.split('/').pop();
  assert.match(await text(page), new RegExp(family));
  await snap(page, 'patient-registered');

  // 3. The prescriber evaluates, checks eligibility, signs and decides.
  await context.clearCookies();
  await login(page, prescriber);
  await page.goto(`${base}/patients/${patientId}`);
  assert.match(await text(page, '#evaluation-eligibility'), /Evaluation & eligibility/);
  await submit(page, page.locator(`#evaluation-eligibility a[href="/patients/${patientId}/evaluations/new"]`), /\/evaluations\/new$/);
  assert.ok(Number(await page.inputValue('input[name=age_years]')) >= 41, 'age prefilled from the date of birth');
  assert.equal(await page.inputValue('select[name=sex]'), 'female', 'sex prefilled from the record');
  await page.selectOption('select[name=pregnant]', 'no');
  await page.selectOption('select[name=breastfeeding]', 'no');
  await page.fill('input[name=primary_diagnosis]', 'F33.2');
  await page.fill('input[name=episode_duration_months]', '14');
  await page.selectOption('select[name=severity]', 'severe');
  const trials = [['sertraline', '150', '8', 'no_response'], ['venlafaxine', '225', '10', 'partial_response']];
  for (const [i, [drug, dose, weeks, outcome]] of trials.entries()) {
    await page.fill(`input[name=trial${i}_drug]`, drug);
    await page.fill(`input[name=trial${i}_dose]`, dose);
    await page.fill(`input[name=trial${i}_weeks]`, weeks);
    await page.selectOption(`select[name=trial${i}_outcome]`, outcome);
    assert.ok(await page.isChecked(`input[name=trial${i}_adherent]`), 'adherent by default');
  }
  await page.click('button[data-add-row="trial"]');
  assert.equal(await page.locator('input[name=trial4_drug]').count(), 1, 'a fifth trial row was added');
  await page.fill('input[name=systolic]', '128');
  await page.fill('input[name=diastolic]', '82');
  await page.fill('input[name=heart_rate]', '72');
  await page.selectOption('select[name=cssrs_risk]', 'low');
  await page.fill('textarea[name=psychiatric_notes]', 'Recurrent MDD, current episode 14 months; two adequate trials failed.');
  await snap(page, 'evaluation-form');
  await submit(page, page.locator('form.form--evaluation button[type=submit]'), /\/evaluations\/[0-9a-f-]{36}\?notice=saved$/);
  const evaluationId = new URL(page.url()).pathname.split('/').pop();
  const draft = await text(page);
  assert.match(draft, /Draft — not signed/);
  assert.match(draft, /Treatment-resistant: 2 adequate failed trials/);
  await snap(page, 'evaluation-draft');

  await submit(page, page.locator(`a[href="/patients/${patientId}/eligibility?modality=esketamine_nasal"]`), /modality=esketamine_nasal$/);
  const unsigned = await text(page);
  assert.equal(await page.locator('.decision-banner--eligible').count(), 1, 'the decision banner says Eligible');
  assert.match(await text(page, '.decision-banner'), /Engine result: Eligible/);
  assert.match(unsigned, /The newest evaluation is not signed/);
  assert.match(unsigned, /Treatment-resistant depression is established/);
  await snap(page, 'eligibility-unsigned');

  await submit(page, page.getByRole('link', { name: 'Open the evaluation to sign it' }), new RegExp(`/evaluations/${evaluationId}#status$`));
  const sign = page.locator(`form[action="/evaluations/${evaluationId}/sign"] button[type=submit]`);
  await sign.click(); // arms the button (data-confirm): a signature takes a second, deliberate click
  await submit(page, sign, /\?notice=signed$/);
  assert.match(await text(page), /Signed by Pat Prescriber/);
  await snap(page, 'evaluation-signed');
  await submit(page, page.getByRole('link', { name: 'Version history' }), new RegExp(`/chart-entries/${evaluationId}/history$`));
  assert.doesNotMatch(await text(page, 'h1'), /Not found|Not allowed/, 'the version history opens');
  await snap(page, 'evaluation-history');

  await page.goto(`${base}/patients/${patientId}/eligibility?modality=esketamine_nasal`);
  await page.check('#outcome-approved');
  await page.fill('textarea[name=note]', 'Start induction after REMS enrolment.');
  await snap(page, 'decision-form');
  await submit(page, page.locator('form.form--decision button[type=submit]'), /notice=decided/);
  const decided = await text(page, '#latest-decision');
  assert.match(decided, /Approved\s+by Pat Prescriber \(you\)/);
  assert.match(decided, /On the current version/);
  assert.match(decided, /Start induction after REMS enrolment\./);
  await snap(page, 'decision-recorded');

  // 4. The prescriber works out the first infusion: the worked example and its predicted curve.
  await submit(page, page.locator('nav.site-nav a[href="/dosing"]'), /\/dosing$/);
  await page.selectOption('select[name=modality]', 'iv_ketamine');
  await page.fill('input[name=weight_kg]', '80');
  await page.selectOption('select[name=weight_basis]', 'actual');
  await page.fill('input[name=dose_mg_per_kg]', '0.5');
  await page.fill('input[name=infusion_minutes]', '40');
  await page.fill('input[name=vial_concentration_mg_per_ml]', '50');
  await page.fill('input[name=bag_volume_ml]', '100');
  await page.click('form.form--dosing button[type=submit]');
  await page.waitForSelector('#dose-result');
  const dose = await text(page, '#dose-result');
  for (const figure of ['40.0 mg', '0.80 mL', '100.80 mL', '151.2 mL/h']) assert.ok(dose.includes(figure), `${figure} in the result`);
  assert.match(dose, /Domino et al\. 1984 model: Cmax \d+ ng\/mL at Tmax 40 min\. A model estimate, not a measurement\./);
  assert.ok(await page.locator('svg.pk-curve__chart polyline.pk-curve__line').isVisible(), 'the predicted curve is drawn');
  await page.locator('#pk-curve').scrollIntoViewIfNeeded();
  await snap(page, 'dose-curve');
  console.log(`eligibility journey passed in ${((Date.now() - started) / 1000).toFixed(1)} s: patient ${patientId}, evaluation ${evaluationId}; screenshots in ${shots}`);
} catch (err) {
  if (current) await current.screenshot({ path: `${shots}/eligibility-failed.png`, fullPage: true }).catch(() => {});
  console.error(`eligibility journey failed at ${current?.url()}; see ${shots}/eligibility-failed.png`);
  throw err;
} finally {
  await browser.close();
}
