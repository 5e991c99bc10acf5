// The foundation journey: a front-desk member logs in, registers a patient, finds them by
// search; then the auditor opens that patient's access report and sees who opened the chart.
// Drives the system Chromium (never a downloaded browser). Screenshots go to target/e2e/.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { strict as assert } from 'node:assert';

const base = process.env.KETACLINIC_URL ?? 'http://127.0.0.1:8080';
const shots = process.env.KETACLINIC_SCREENSHOTS ?? '../target/e2e';
const frontDesk = { email: process.env.E2E_FRONTDESK_EMAIL, password: process.env.E2E_FRONTDESK_PASSWORD };
const auditor = { email: process.env.E2E_AUDITOR_EMAIL, password: process.env.E2E_AUDITOR_PASSWORD };
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let step = 0;
const snap = async (page, name) => page.screenshot({ path: `${shots}/${String(++step).padStart(2, '0')}-${name}.png`, fullPage: true });

async function login(page, who) {
  await page.goto(`${base}/`);
  await page.waitForURL(/\/login/);
  await page.fill('input[name=email]', who.email);
  await page.fill('input[name=password]', who.password);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/login')), page.click('form[action^="/login"] button[type=submit]')]);
}

try {
  // Tablet-sized viewport: the front desk and chairside staff use tablets.
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();

  await page.goto(`${base}/login`);
  await snap(page, 'login');
  await login(page, frontDesk);
  await snap(page, 'home-front-desk');

  const family = `Journey${Date.now().toString(36)}`;
  await page.goto(`${base}/patients/new`);
  await page.fill('input[name=given_name]', 'Avery');
  await page.fill('input[name=family_name]', family);
  await page.fill('input[name=birth_date]', '1984-03-09');
  await page.selectOption('select[name=sex]', 'female');
  await page.fill('input[name=phone]', '+1 555 010 0199');
  await snap(page, 'register-patient');
  await Promise.all([page.waitForURL(/\/patients\/[0-9a-f-]{36}(\?.*)?$/), page.click('form[action="/patients"] button[type=submit]')]);
  const patientId = new URL(page.url()).pathname.split('/').pop();
  const patientUrl = `${base}/patients/${patientId}`;
  assert.match(await page.textContent('main'), new RegExp(family));
  await snap(page, 'patient-page');

  await page.goto(`${base}/patients`);
  await page.fill('input[name=q]', family.slice(0, 9).toLowerCase());
  await page.waitForSelector(`#results >> text=${family}`);
  await snap(page, 'search-results');
  await Promise.all([page.waitForURL(patientUrl), page.click(`#results a[href="/patients/${patientId}"]`)]);

  await context.clearCookies();
  await login(page, auditor);
  await page.goto(`${base}/patients/${patientId}/access`);
  const report = await page.textContent('main');
  assert.ok(report.includes(frontDesk.email), 'the access report names the front-desk user who opened the chart');
  assert.ok(report.includes('patient.read'), 'the access report lists the chart being opened');
  await snap(page, 'access-report');
  console.log(`journey passed: patient ${patientId}; screenshots in ${shots}`);
} finally {
  await browser.close();
}
