// The self-report journey (issue 4, item 8): a nurse registers a patient and creates a one-time
// PHQ-9 link; the patient opens it on their own phone (a fresh browser, no cookies), sees only
// their first name, answers all nine items with item 9 above zero and sends them; the link is
// then spent. A prescriber sees the open safety alert (the Alerts count), acknowledges it with a
// documented action, and opens the patient's chart, where the PHQ-9 trend shows the new, flagged
// point. Drives the system Chromium (never a downloaded browser). Screenshots go to target/e2e/
// as self-report-NN-*.png.
import { chromium } from 'playwright-core';
import { mkdirSync, rmSync } from 'node:fs';
import { strict as assert } from 'node:assert';

const base = process.env.KETACLINIC_URL ?? 'http://127.0.0.1:8080';
const shots = process.env.KETACLINIC_SCREENSHOTS ?? '../target/e2e';
const nurse = { email: process.env.E2E_NURSE_EMAIL, password: process.env.E2E_NURSE_PASSWORD };
const prescriber = { email: process.env.E2E_PRESCRIBER_EMAIL, password: process.env.E2E_PRESCRIBER_PASSWORD };
mkdirSync(shots, { recursive: true });
rmSync(`${shots}/self-report-failed.png`, { force: true }); // from an earlier failed run
const started = Date.now();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let step = 0;
const snap = async (page, name) => page.screenshot({ path: `${shots}/self-report-${String(++step).padStart(2, '0')}-${name}.png`, fullPage: true });
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

// The PHQ-9 answers, items 1–9 (0–3 each): total 13 (moderate), item 9 = 1 raises the
// suicidal-ideation flag and with it a safety alert. Item 10 (difficulty) is optional: left out.
const answers = [2, 2, 1, 2, 1, 1, 2, 1, 1];
const total = answers.reduce((a, b) => a + b, 0);

let current; // the page in use, for a screenshot when a step fails
try {
  const given = 'Robin';
  const family = `Selfreport${Date.now().toString(36)}`;

  // 1. The nurse registers the patient and creates a PHQ-9 link (tablet-sized viewport).
  const staffContext = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await staffContext.newPage();
  current = page;
  await login(page, nurse);
  await page.goto(`${base}/patients/new`);
  await page.fill('input[name=given_name]', given);
  await page.fill('input[name=family_name]', family);
  await page.fill('input[name=birth_date]', '1990-07-21');
  await page.selectOption('select[name=sex]', 'male');
  await page.fill('input[name=phone]', '+1 555 010 0123');
  await submit(page, page.locator('form[action="/patients"] button[type=submit]'), /\/patients\/[0-9a-f-]{36}(\?.*)?$/);
  const patientId = new URL(page.url()).pathname.split('/').pop();
  const patientPath = `/patients/${patientId}`;
  assert.match(await text(page), new RegExp(family));
  assert.match(await text(page, '#assessments'), /No assessments yet/);
  await snap(page, 'patient-page');

  await submit(page, page.getByRole('link', { name: 'Send a questionnaire link' }), new RegExp(`${patientPath}/self-report$`));
  assert.ok(await page.isChecked('#instrument-phq9'), 'PHQ-9 is chosen by default');
  for (const other of ['gad7', 'qids_sr16', 'pcl5']) assert.ok(!(await page.isChecked(`#instrument-${other}`)), `${other} is not chosen by default`);
  assert.match(await text(page), /No links yet/);
  await snap(page, 'send-link-form');
  // The address is shown once, on the page that answers the POST (same URL: wait for the field).
  await page.getByRole('button', { name: 'Create link' }).click();
  const field = page.locator('input.copy-field');
  await field.waitFor();
  const linkPath = await field.inputValue();
  assert.match(linkPath, /^\/r\/[0-9a-f]{64}$/, 'the link is /r/ and a 256-bit hex token');
  assert.ok(await field.evaluate((el) => el.readOnly), 'the address field is read-only');
  const linkRow = page.locator('table tbody tr', { hasText: 'PHQ-9' });
  assert.equal(await linkRow.count(), 1, 'one link listed');
  assert.match(await linkRow.textContent(), /open/);
  await snap(page, 'link-created');

  // 2. The patient opens the link on their phone: a new browser context, no cookies.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const patient = await phone.newPage();
  current = patient;
  const opened = await patient.goto(`${base}${linkPath}`);
  assert.equal(opened.status(), 200);
  assert.equal(opened.headers()['cache-control'], 'no-store', 'the form is not cached');
  assert.equal(opened.headers()['referrer-policy'], 'no-referrer', 'the token does not leak as a referrer');
  assert.equal((await text(patient, 'h1')).trim(), `Hello ${given}`);
  const html = await patient.content();
  assert.ok(!html.includes(family), 'the public page does not show the family name');
  assert.ok(!html.includes(patientId), 'the public page does not show the patient id');
  assert.equal(await patient.locator('nav.site-nav').count(), 0, 'no staff navigation on the public page');
  await snap(patient, 'phone-form');
  for (const [i, value] of answers.entries()) {
    // Tap the whole label, as a thumb would; the radio inside it is checked.
    const radio = patient.locator(`input[type=radio][name=phq9__item_${i + 1}][value="${value}"]`);
    await patient.locator('label.choice', { has: radio }).tap();
    assert.ok(await radio.isChecked(), `item ${i + 1} answered ${value}`);
  }
  await snap(patient, 'phone-answered');
  await submit(patient, patient.getByRole('button', { name: 'Send my answers' }), /\/r\/done$/);
  assert.match(await text(patient, 'h1'), /Thank you — your answers were sent/);
  assert.ok(!(await patient.content()).includes(family), 'the thank-you page does not show the family name');
  await snap(patient, 'phone-thanks');
  // The link works once: opening it again says the answers were sent (410 Gone).
  const again = await patient.goto(`${base}${linkPath}`);
  assert.equal(again.status(), 410);
  assert.match(await text(patient, 'h1'), /this form has been sent/);
  await snap(patient, 'phone-link-spent');
  await phone.close();

  // The nurse's list now shows the link as used.
  current = page;
  await page.goto(`${base}${patientPath}/self-report`);
  assert.equal(await page.locator('input.copy-field').count(), 0, 'the address is not shown again');
  assert.match(await page.locator('table tbody tr', { hasText: 'PHQ-9' }).textContent(), /used/);
  await staffContext.close();

  // 3. The prescriber sees the open alert, acknowledges it and opens the chart.
  const rxContext = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const rx = await rxContext.newPage();
  current = rx;
  await login(rx, prescriber);
  await rx.goto(`${base}/`);
  const alertsLink = rx.locator('nav.site-nav a[href="/alerts"]');
  assert.ok(Number((await alertsLink.locator('.nav-count').textContent()).match(/\d+/)[0]) >= 1, 'the Alerts link counts the open alert');
  await snap(rx, 'prescriber-home');
  await submit(rx, alertsLink, /\/alerts$/);
  const card = rx.locator('article.alert-card', { has: rx.locator(`a[href="${patientPath}"]`) });
  assert.equal(await card.count(), 1, "one open alert for the patient");
  assert.match(await card.locator('.alert-card__title').textContent(), /Suicidal ideation reported/);
  // The same detail as a staff-recorded alert, marked as the patient's own report.
  assert.match(await card.locator('.alert-card__facts').textContent(), /Detail\s*PHQ-9; total 13; flags suicidal ideation; self-report/);
  await snap(rx, 'alerts-open');
  const alertId = (await card.getAttribute('id')).replace(/^alert-/, '');
  await card.locator('label.choice', { has: rx.locator('input[name=action][value=safety_plan_reviewed]') }).click();
  await card.locator('textarea[name=note]').fill('Called the patient; safety plan reviewed, no intent or plan.');
  await snap(rx, 'alert-acknowledge-form');
  await submit(rx, card.getByRole('button', { name: 'Acknowledge alert' }), new RegExp(`/alerts\\?acknowledged=${alertId}$`));
  assert.match(await text(rx), /Alert acknowledged/);
  assert.equal(await rx.locator(`#alert-${alertId}`).count(), 0, 'the alert left the open list');
  await snap(rx, 'alert-acknowledged');
  await submit(rx, rx.getByRole('link', { name: 'Include acknowledged alerts' }), /\/alerts\?status=all$/);
  assert.match(await rx.locator(`#alert-${alertId} .alert-card__ack`).textContent(), /Acknowledged by you at .+: Safety plan reviewed\. Note: Called the patient/);
  await snap(rx, 'alerts-all');

  await submit(rx, rx.locator(`#alert-${alertId} a[href="${patientPath}"]`), new RegExp(`${patientPath}$`));
  const trend = rx.locator('#assessments figure.trend', { has: rx.locator('h3', { hasText: 'PHQ-9' }) });
  await trend.locator('svg.trend__chart').waitFor();
  assert.equal(await trend.locator('svg .point').count(), 1, 'one point on the PHQ-9 chart');
  assert.equal(await trend.locator('svg .point--flagged').count(), 1, 'the point is marked with a safety flag');
  assert.match(await trend.locator('svg .point title').textContent(), new RegExp(`PHQ-9 ${total} \\(moderate\\) — safety flag`));
  assert.match(await trend.locator('.trend__caption').textContent(), new RegExp(`latest\\s+${total} on`));
  assert.match(await trend.locator('table tbody').textContent(), /suicidal ideation/i);
  await trend.scrollIntoViewIfNeeded();
  await snap(rx, 'patient-trend');
  await trend.screenshot({ path: `${shots}/self-report-${String(++step).padStart(2, '0')}-trend-chart.png` });
  console.log(`self-report journey passed in ${((Date.now() - started) / 1000).toFixed(1)} s: patient ${patientId}, alert ${alertId}; screenshots in ${shots}`);
} catch (err) {
  if (current) await current.screenshot({ path: `${shots}/self-report-failed.png`, fullPage: true }).catch(() => {});
  console.error(`self-report journey failed at ${current?.url()}; see ${shots}/self-report-failed.png`);
  throw err;
} finally {
  await browser.close();
}
