package notify_test

import (
	"strings"
	"testing"

	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/notify/dingtalk"
	"github.com/beaconbi/beacon/notify/email"
	"github.com/beaconbi/beacon/notify/feishu"
	"github.com/beaconbi/beacon/notify/slack"
	"github.com/beaconbi/beacon/notify/webhook"
	"github.com/beaconbi/beacon/notify/wecom"
)

// TestKeylessDestinations: the chat robots are Keyless, and name the
// robot itself: two notifiers of one robot (other recipients, another
// signing secret) share a destination, two robots do not, and the token
// never shows in it. The channels that carry an idempotency key (webhook,
// e-mail) are not Keyless.
func TestKeylessDestinations(t *testing.T) {
	opt := notify.Options{}
	must := func(n notify.Notifier, err error) notify.Notifier {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	const token = "b1f0c7e2a9d34e6f8a7b5c"
	cases := []struct {
		name          string
		same, another notify.Notifier
		other         notify.Notifier
	}{
		{"dingtalk",
			must(dingtalk.New(dingtalk.Config{URL: "https://oapi.dingtalk.com/robot/send?access_token=" + token, Secret: "SECa"}, opt)),
			must(dingtalk.New(dingtalk.Config{URL: "https://oapi.dingtalk.com/robot/send?access_token=" + token, Secret: "SECb", AtMobiles: []string{"13800000000"}}, opt)),
			must(dingtalk.New(dingtalk.Config{URL: "https://oapi.dingtalk.com/robot/send?access_token=c2" + token}, opt))},
		{"wecom",
			must(wecom.New(wecom.Config{URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + token}, opt)),
			must(wecom.New(wecom.Config{URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + token}, opt)),
			must(wecom.New(wecom.Config{URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=d3" + token}, opt))},
		{"feishu",
			must(feishu.New(feishu.Config{URL: "https://open.feishu.cn/open-apis/bot/v2/hook/" + token}, opt)),
			must(feishu.New(feishu.Config{URL: "https://open.feishu.cn/open-apis/bot/v2/hook/" + token, Secret: "s"}, opt)),
			must(feishu.New(feishu.Config{URL: "https://open.feishu.cn/open-apis/bot/v2/hook/e4" + token}, opt))},
		{"slack",
			must(slack.New(slack.Config{URL: "https://hooks.slack.com/services/T0/B0/" + token}, opt)),
			must(slack.New(slack.Config{URL: "https://hooks.slack.com/services/T0/B0/" + token}, opt)),
			must(slack.New(slack.Config{URL: "https://hooks.slack.com/services/T0/B1/" + token}, opt))},
	}
	seen := map[string]string{}
	for _, c := range cases {
		k1, ok1 := c.same.(notify.Keyless)
		k2, ok2 := c.another.(notify.Keyless)
		k3, ok3 := c.other.(notify.Keyless)
		if !ok1 || !ok2 || !ok3 {
			t.Errorf("%s: not Keyless, but the provider takes no idempotency key", c.name)
			continue
		}
		d := k1.Destination()
		if k2.Destination() != d {
			t.Errorf("%s: one robot has two destinations %q and %q", c.name, d, k2.Destination())
		}
		if k3.Destination() == d {
			t.Errorf("%s: two robots share the destination %q", c.name, d)
		}
		if strings.Contains(d, token) || !strings.HasPrefix(d, c.name+":") {
			t.Errorf("%s: destination %q shows the token or lacks the channel", c.name, d)
		}
		if prev, dup := seen[d]; dup {
			t.Errorf("%s and %s share the destination %q", c.name, prev, d)
		}
		seen[d] = c.name
	}
	hook := must(webhook.New(webhook.Config{URL: "https://ops.bank.example/hook", Secret: "0123456789abcdef0123"}, opt))
	mail := must(email.New(email.Config{Host: "smtp.bank.example", From: "beacon@bank.example", To: []string{"ops@bank.example"}, TLS: "none"}, opt))
	for _, n := range []notify.Notifier{hook, mail} {
		if _, ok := n.(notify.Keyless); ok {
			t.Errorf("%s is Keyless, but it carries the idempotency key (its receiver drops a repeat)", n.Channel())
		}
	}
}
