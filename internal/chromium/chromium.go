// Package chromium knows how to start Debian's Chromium headless on these
// machines, for end-to-end tests and the benchmark alike.
package chromium

import "github.com/chromedp/chromedp"

// ExecPath is Debian's Chromium.
const ExecPath = "/usr/bin/chromium"

// Options are the flags that run Debian's Chromium headless as root on a
// machine without network: a fresh profile in userDataDir, no background
// traffic, autoplay allowed, and no throttling of hidden tabs (every tab may
// be a viewer).
func Options(userDataDir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ExecPath),
		chromedp.UserDataDir(userDataDir),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.WindowSize(1280, 800),
	}
}
