// Package e2e drives the web front in real headless Chromium against a
// running Beacon on 127.0.0.1: asking in Chinese and English, exploring,
// downloading CSV, the dashboard, and a scoped token on every page. Its
// benchmarks time the first render of the Ask page and the dashboard.
//
// The tests need Debian's chromium (and fonts-noto-cjk for the
// screenshots): `make browser` installs them. Where Chromium is missing
// they skip, unless BEACON_REQUIRE_CHROMIUM is set (CI sets it).
// BEACON_SCREENSHOTS=DIR keeps the screenshots in DIR (docs/screenshots
// holds the committed ones); otherwise they go to a temporary folder.
package e2e
