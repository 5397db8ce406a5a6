package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/beaconbi/beacon/alerts"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/notify/dingtalk"
	"github.com/beaconbi/beacon/notify/feishu"
	"github.com/beaconbi/beacon/notify/slack"
	"github.com/beaconbi/beacon/notify/webhook"
	"github.com/beaconbi/beacon/notify/wecom"
	"github.com/beaconbi/beacon/warehouse"
)

// alertFlags are serve's flags for alerts and report subscriptions.
type alertFlags struct {
	files    string
	interval time.Duration
	backoff  time.Duration
}

func (a *alertFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.files, "alerts", env("BEACON_ALERTS", ""), "alerts YAML files (channels, rules, subscriptions), comma-separated; see docs/alerts.md")
	fs.DurationVar(&a.interval, "alerts-interval", 5*time.Second, "how often the scheduler looks for due rules and unsent notices")
	fs.DurationVar(&a.backoff, "alerts-backoff", 2*time.Second, "wait before a failed delivery's second attempt; it doubles per attempt, up to 10m, 8 attempts in all")
}

// newScheduler builds the alert scheduler over the engine and loads the
// alerts files: their channels first, then their rules and subscriptions,
// all validated with file:line errors before serving starts.
//
// Charts are drawn by images (a headless browser, when one is installed)
// and report links point at publicURL.
func newScheduler(ctx context.Context, db *warehouse.DB, engine *metrics.Engine, a alertFlags, images *chartImages, publicURL string, log *slog.Logger) (*alerts.Scheduler, error) {
	store, err := alerts.OpenStore(ctx, db)
	if err != nil {
		return nil, err
	}
	reg := alerts.NewRegistry(channelFactories(notify.Options{Limits: notify.NewLimits()}))
	cfg := alerts.Config{Store: store, Querier: engine, Channels: reg, BaseURL: publicURL, Logger: log, Interval: a.interval, RetryBase: a.backoff}
	if images != nil && images.Charts != nil {
		cfg.Renderer = images.Charts
	}
	sc, err := alerts.New(cfg)
	if err != nil {
		return nil, err
	}
	var files []*alerts.File
	for _, path := range strings.Split(a.files, ",") {
		if path = strings.TrimSpace(path); path == "" {
			continue
		}
		f, err := alerts.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if err := f.LoadChannels(reg); err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	for _, f := range files {
		if err := f.Apply(ctx, sc); err != nil {
			return nil, err
		}
	}
	// This process has the DuckDB file to itself (DuckDB's file lock), so
	// any lease left by a previous process is stale: take it now.
	if err := sc.Start(ctx, true); err != nil {
		return nil, err
	}
	log.Info("alert scheduler ready", "channels", reg.Names(), "files", a.files, "interval", a.interval.String())
	return sc, nil
}

// runScheduler runs the alert scheduler and, for the demo bank, the
// hourly regeneration that keeps its history ending this month, until ctx ends.
func runScheduler(ctx context.Context, sc *alerts.Scheduler, db *warehouse.DB, o demoOptions, keepDemo bool, log *slog.Logger) {
	if keepDemo {
		go keepDemoBankCurrent(ctx, db, o, log)
	}
	sc.Run(ctx)
}

// keepDemoBankCurrent regenerates the demo bank when a month turns while
// serving: its history ends with the current month (readers keep the old
// data until the new one commits, and the data version drops cached results).
func keepDemoBankCurrent(ctx context.Context, db *warehouse.DB, o demoOptions, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := ensureDemoBank(ctx, db, o, log); err != nil {
				log.Error("keep the demo bank current", "err", err)
			}
		}
	}
}

// channelFactories are the channel types serve can configure; recipients
// are @-mentioned where the channel can (DingTalk mobiles).
func channelFactories(opt notify.Options) map[string]alerts.Factory {
	return map[string]alerts.Factory{
		dingtalk.Channel: func(s map[string]any, recipients []string) (notify.Notifier, error) {
			var c dingtalk.Config
			if err := decodeSettings(s, &c); err != nil {
				return nil, err
			}
			c.AtMobiles = append(c.AtMobiles, recipients...)
			return dingtalk.New(c, opt)
		},
		wecom.Channel: func(s map[string]any, _ []string) (notify.Notifier, error) {
			var c wecom.Config
			if err := decodeSettings(s, &c); err != nil {
				return nil, err
			}
			return wecom.New(c, opt)
		},
		feishu.Channel: func(s map[string]any, _ []string) (notify.Notifier, error) {
			var c feishu.Config
			if err := decodeSettings(s, &c); err != nil {
				return nil, err
			}
			return feishu.New(c, opt)
		},
		slack.Channel: func(s map[string]any, _ []string) (notify.Notifier, error) {
			var c slack.Config
			if err := decodeSettings(s, &c); err != nil {
				return nil, err
			}
			return slack.New(c, opt)
		},
		webhook.Channel: func(s map[string]any, _ []string) (notify.Notifier, error) {
			var c webhook.Config
			if err := decodeSettings(s, &c); err != nil {
				return nil, err
			}
			return webhook.New(c, opt)
		},
	}
}

// decodeSettings reads a channel's YAML settings into its Config,
// refusing keys the channel does not have.
func decodeSettings(s map[string]any, out any) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	return nil
}
