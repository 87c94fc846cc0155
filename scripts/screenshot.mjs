// Refreshes docs/screenshot.png (the README's picture): the demo's county page as its
// administrator sees it. Run: node scripts/screenshot.mjs (after cargo build).
import { startServer, launchBrowser, newDesktopPage, login } from '../tests/browser/harness.mjs';

const server = await startServer({ demo: true });
const browser = await launchBrowser();
try {
  const page = await newDesktopPage(browser);
  await login(page, server.url, 'county', 'Demo-2026');
  await page.locator('a[href^="/orgs/"]').first().click();
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: 'docs/screenshot.png' });
} finally {
  await browser.close();
  await server.stop();
}
