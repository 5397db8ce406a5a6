package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/beaconbi/beacon/alerts"
	"github.com/beaconbi/beacon/charts"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/notify/dingtalk"
	"github.com/beaconbi/beacon/notify/email"
	"github.com/beaconbi/beacon/notify/feishu"
	"github.com/beaconbi/beacon/notify/slack"
	"github.com/beaconbi/beacon/notify/webhook"
	"github.com/beaconbi/beacon/notify/wecom"
	"github.com/beaconbi/beacon/reports"
	"github.com/beaconbi/beacon/warehouse"
)

// alertFlags are serve's flags for alerts and report subscriptions.
type alertFlags struct {
	files    string
	interval time.Duration
	backoff  time.Duration
	attempts int
	senders  int
	limits   alerts.Limits
	smtp     smtpFlags
}

func (a *alertFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.files, "alerts", env("BEACON_ALERTS", ""), "alerts YAML files (channels, rules, subscriptions), comma-separated; see docs/alerts.md")
	fs.DurationVar(&a.interval, "alerts-interval", 5*time.Second, "how often the scheduler looks for due rules and unsent notices")
	fs.DurationVar(&a.backoff, "alerts-backoff", 2*time.Second, "longest wait before a failed delivery's second attempt (jittered); it doubles per attempt, up to 10m")
	fs.IntVar(&a.attempts, "alerts-attempts", 8, "attempts of one delivery, the first included, within two hours")
	fs.IntVar(&a.senders, "alerts-senders", 8, "deliveries in flight at once, at most one per chat robot (a message in flight when the process dies is sent again, under the same idempotency key; to a robot, marked as sent again)")
	fs.DurationVar(&a.limits.MinInterval, "alerts-min-interval", envDuration("BEACON_ALERTS_MIN_INTERVAL", 5*time.Minute), "shortest gap a rule's or subscription's schedule may leave between two runs, for API and file alike; 0 sets none (or env BEACON_ALERTS_MIN_INTERVAL)")
	fs.IntVar(&a.limits.Rules, "alerts-max-rules", envInt("BEACON_ALERTS_MAX_RULES", 100), "alert rules one owner may create over the API (admins and the alerts files are exempt); 0 sets no cap (or env BEACON_ALERTS_MAX_RULES)")
	fs.IntVar(&a.limits.Subscriptions, "alerts-max-subscriptions", envInt("BEACON_ALERTS_MAX_SUBSCRIPTIONS", 50), "report subscriptions one owner may create over the API (admins and the alerts files are exempt); 0 sets no cap (or env BEACON_ALERTS_MAX_SUBSCRIPTIONS)")
	fs.IntVar(&a.limits.SendsPerMinute, "alerts-owner-rate", envInt("BEACON_ALERTS_OWNER_RATE", 10), "deliveries one owner's rules and subscriptions make on one channel in any minute; more wait in the outbox (logged as deferred) and go later, none dropped; 0 sets no bound (or env BEACON_ALERTS_OWNER_RATE)")
	a.smtp.register(fs)
}

// envDuration is the environment variable as a duration, or def when it is unset or not one.
func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

// retryPolicy is the one retry policy of every delivery, alert or report.
func (a alertFlags) retryPolicy() notify.Policy {
	return notify.Policy{MaxAttempts: a.attempts, BaseDelay: a.backoff, MaxDelay: 10 * time.Minute, MaxElapsed: 2 * time.Hour}
}

// newScheduler builds the alert scheduler over the engine and loads the
// alerts files: their channels first, then their rules and subscriptions,
// all validated with file:line errors before serving starts.
//
// Charts are drawn by images (a headless browser, when one is installed),
// report links point at publicURL, and subscriptions send the headline
// figures and key chart of reportSet's reports.
func newScheduler(ctx context.Context, db *warehouse.DB, engine *metrics.Engine, a alertFlags, images *chartImages, publicURL string, reportSet *reports.Set, sharer *reports.Sharer, log *slog.Logger) (*alerts.Scheduler, error) {
	store, err := alerts.OpenStore(ctx, db)
	if err != nil {
		return nil, err
	}
	if a.attempts < 1 || a.attempts > 50 {
		return nil, fmt.Errorf("--alerts-attempts %d: want 1 to 50", a.attempts)
	}
	if a.senders < 1 || a.senders > 64 {
		return nil, fmt.Errorf("--alerts-senders %d: want 1 to 64", a.senders)
	}
	if a.limits.MinInterval < 0 || a.limits.MinInterval > 24*time.Hour || a.limits.MinInterval%time.Minute != 0 {
		return nil, fmt.Errorf("--alerts-min-interval %s: want whole minutes from 0 to 24h (a cron runs on the minute)", a.limits.MinInterval)
	}
	if a.limits.Rules < 0 || a.limits.Subscriptions < 0 || a.limits.SendsPerMinute < 0 {
		return nil, fmt.Errorf("--alerts-max-rules, --alerts-max-subscriptions and --alerts-owner-rate take 0 (no bound) or more")
	}
	reg := alerts.NewRegistry(channelFactories(notify.Options{Limits: notify.NewLimits()}, a.smtp))
	cfg := alerts.Config{Store: store, Querier: engine, Channels: reg, BaseURL: publicURL, Logger: log, Interval: a.interval, Retry: a.retryPolicy(), Senders: a.senders, Reports: reportSet, Sharer: sharer, Limits: a.limits}
	if images != nil && images.Charts != nil {
		// Groups on a chart are named in the rule's language, as in its message.
		mc := *images.Charts
		mc.Option = charts.LabelledOptionJSON(engine.Catalog)
		cfg.Renderer = &mc
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
	// Every file's problems are reported together, so that one start shows every fix.
	var problems []error
	for _, f := range files {
		if err := f.Apply(ctx, sc); err != nil {
			problems = append(problems, err)
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
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
// are @-mentioned where the channel can (DingTalk mobiles) and added to
// the addressees of e-mail. An e-mail channel takes the SMTP server from
// smtp where its own settings leave it out.
func channelFactories(opt notify.Options, smtp smtpFlags) map[string]alerts.Factory {
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
		email.Channel: func(s map[string]any, recipients []string) (notify.Notifier, error) {
			c := smtp.config()
			if err := decodeSettings(s, &c); err != nil {
				return nil, err
			}
			for _, r := range recipients {
				if !slices.Contains(c.To, r) {
					c.To = append(c.To, r)
				}
			}
			return email.New(c, opt)
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

// smtpFlags are the mail server e-mail channels use unless their settings
// name another: set once for the deployment, with the password from the
// environment only.
type smtpFlags struct {
	host, username, auth, tls, caFile, from string
	port                                    int
	password                                string
}

func (f *smtpFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.host, "smtp-host", env("BEACON_SMTP_HOST", ""), "mail server of e-mail channels that name none (or env BEACON_SMTP_HOST)")
	fs.IntVar(&f.port, "smtp-port", envInt("BEACON_SMTP_PORT", 0), "its port (default 587, or 465 with --smtp-tls implicit; or env BEACON_SMTP_PORT)")
	fs.StringVar(&f.username, "smtp-username", env("BEACON_SMTP_USERNAME", ""), "SMTP user; the password is read from env BEACON_SMTP_PASSWORD only")
	fs.StringVar(&f.auth, "smtp-auth", env("BEACON_SMTP_AUTH", ""), "plain, login, cram-md5 or none (default plain with a user)")
	fs.StringVar(&f.tls, "smtp-tls", env("BEACON_SMTP_TLS", "starttls"), "starttls, opportunistic, implicit or none")
	fs.StringVar(&f.caFile, "smtp-ca-file", env("BEACON_SMTP_CA_FILE", ""), "PEM bundle of the mail server's private certificate authority")
	fs.StringVar(&f.from, "smtp-from", env("BEACON_SMTP_FROM", ""), "sender address of e-mail channels that name none, e.g. Beacon <beacon@bank.example>")
	f.password = os.Getenv("BEACON_SMTP_PASSWORD")
}

// config is the e-mail settings the flags give, which a channel's own
// settings then override field by field.
func (f smtpFlags) config() email.Config {
	return email.Config{Host: f.host, Port: f.port, Username: f.username, Password: f.password, Auth: f.auth, TLS: f.tls, CAFile: f.caFile, From: f.from}
}

// envInt is the environment variable as a number, or def when it is unset or not one.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}

// reportSharer seals the report links messages carry, keyed by the JWT
// secret so that links survive a restart; without one (authentication
// off, or keys by public key only), by a random key: links then open
// until the process ends.
func reportSharer(secret string) (*reports.Sharer, error) {
	key := []byte(secret)
	if len(key) < 32 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("report link key: %w", err)
		}
	}
	return reports.NewSharer(key)
}
