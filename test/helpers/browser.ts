import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium (scripts/install-stack.sh chromium), headless, with nothing reaching past loopback: without
 * the background-networking flags it keeps trying Google's hosts, which this machine's network refuses.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
