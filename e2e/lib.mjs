// Shared pieces of the session journeys: the system Chromium (never a downloaded browser), the
// accounts e2e/run.sh creates, screenshots, signing in, set-up calls to the JSON API with the
// page's own session, and posting the chairside forms.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { strict as assert } from 'node:assert';

export const base = process.env.KETACLINIC_URL ?? 'http://127.0.0.1:8080';
export const shots = process.env.KETACLINIC_SCREENSHOTS ?? '../target/e2e';
export const nurseUser = { email: process.env.E2E_NURSE_EMAIL, password: process.env.E2E_NURSE_PASSWORD };
export const prescriberUser = { email: process.env.E2E_PRESCRIBER_EMAIL, password: process.env.E2E_PRESCRIBER_PASSWORD };
mkdirSync(shots, { recursive: true });

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A numbered full-page screenshot: `${prefix}-NN-${name}.png`.
export function snapper(prefix) {
  let step = 0;
  return (page, name) => page.screenshot({ path: `${shots}/${prefix}-${String(++step).padStart(2, '0')}-${name}.png`, fullPage: true });
}

export const text = async (page, selector = 'main') => (await page.textContent(selector)) ?? '';

export async function login(page, who) {
  await page.goto(`${base}/login`);
  await page.fill('input[name=email]', who.email);
  await page.fill('input[name=password]', who.password);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/login')), page.click('form[action^="/login"] button[type=submit]')]);
}

// A JSON API call with the page's session cookie and CSRF token (set-up a journey is not about).
export async function api(page, method, path, body) {
  const csrf = await page.getAttribute('meta[name="csrf-token"]', 'content');
  const res = await page.request.fetch(`${base}${path}`, {
    method, headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' }, data: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(res.ok(), `${method} ${path}: ${res.status()} ${await res.text()}`);
  return res.json();
}

// "HH:MM" on the clinic's clock (UTC in e2e/run.sh) `minutes` before `t0`.
export const clockAgo = (t0) => (minutes) => new Date(t0 - minutes * 60000).toISOString().slice(11, 16);

// Fills (with `fill`) and submits the form whose action ends with `action` (the first one whose
// text contains `buttonText`, when given), and waits for the page that answers.
export async function post(page, action, fill = async () => {}, buttonText) {
  const form = page.locator(`form[action$="${action}"]`).filter(buttonText ? { hasText: buttonText } : {}).first();
  await fill(form);
  await Promise.all([page.waitForNavigation(), form.locator('button[type=submit]').click()]);
}
