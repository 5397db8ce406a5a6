// Package web holds the browser assets that the beacon binary embeds and
// serves itself, so that pages load nothing from any other host: the bank's
// network is closed. Third-party scripts (ECharts) come from npm packages,
// installed and copied into static/vendor by `make assets`.
package web

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
)

//go:embed all:static
var static embed.FS

// ErrNoAssets says the binary was built without running `make assets`.
var ErrNoAssets = errors.New("browser assets were not built into this binary: build it with `make build` (it runs `make assets`, which installs them from npm)")

// EChartsPath is where the ECharts script is served, relative to the root.
const EChartsPath = "/assets/vendor/echarts.min.js"

// Static is the tree served under /assets/.
func Static() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embed pattern above guarantees the folder
	}
	return sub
}

// ECharts returns the embedded ECharts script, for pages and for rendering
// charts to images in a headless browser.
func ECharts() ([]byte, error) {
	b, err := fs.ReadFile(static, "static/vendor/echarts.min.js")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoAssets
	}
	if err != nil {
		return nil, fmt.Errorf("read embedded echarts: %w", err)
	}
	return b, nil
}
