// Debian's Chromium driven by playwright-core, as every end-to-end test launches it: no sandbox
// (containers), nothing that reaches the network behind the test's back.
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A phone as people hold one (390 × 844, touch), with JavaScript off as the console needs none. */
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, javaScriptEnabled: false, locale: 'ja-JP' } as const;
