/**
 * A real headless browser for tests that look at pages as a person would:
 * Debian's chromium (installed by .ci/run), driven by playwright-core, which
 * downloads no browser of its own.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a quiet, offline, sandbox-free headless run (tests run as root in CI). */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Whether browser tests can run: chromium is installed, or else we are in
 * CI, where its absence must fail the tests rather than skip them.
 */
export function browserAvailable(): boolean {
  return existsSync(CHROMIUM) || process.env.CI !== undefined;
}

/** Launches Debian's chromium headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}
