package feishu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"sync"
	"time"

	"github.com/beaconbi/beacon/notify"
)

// maxUpload is Feishu's limit on an uploaded image.
const maxUpload = 10 << 20

// badToken are the codes of an invalid or expired access token.
var badToken = map[int]bool{99991661: true, 99991663: true, 99991668: true}

// uploader turns a PNG into an image_key through a Feishu app: the app's
// id and secret buy a tenant_access_token (kept until shortly before it
// expires), which authorises the upload.
type uploader struct {
	base             string
	appID, appSecret string
	post             notify.Poster
	clock            notify.Clock

	mu      sync.Mutex
	token   string
	expires time.Time
}

// tenantToken returns a valid token, fetching one when needed.
func (u *uploader) tenantToken(ctx context.Context) (string, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.token != "" && u.clock.Now().Before(u.expires) {
		return u.token, nil
	}
	resp, err := u.post.PostJSON(ctx, u.base+"/open-apis/auth/v3/tenant_access_token/internal",
		map[string]string{"app_id": u.appID, "app_secret": u.appSecret}, nil)
	if err != nil {
		return "", err
	}
	var a struct {
		Code   *int   `json:"code"`
		Msg    string `json:"msg"`
		Token  string `json:"tenant_access_token"`
		Expire int    `json:"expire"` // seconds
	}
	if err := json.Unmarshal(resp.Body, &a); err != nil || a.Code == nil || *a.Code != 0 || a.Token == "" {
		return "", &notify.SendError{Channel: Channel, Status: resp.Status, Answer: notify.ClipAnswer(string(resp.Body)),
			Err: errors.New("get tenant_access_token: refused")}
	}
	u.token = a.Token
	// Renew five minutes early so a token never expires mid-send.
	u.expires = u.clock.Now().Add(time.Duration(a.Expire)*time.Second - 5*time.Minute)
	return u.token, nil
}

// upload sends png as a message image and returns its image_key.
func (u *uploader) upload(ctx context.Context, png []byte) (string, error) {
	if len(png) > maxUpload {
		return "", &notify.SendError{Channel: Channel, Err: fmt.Errorf("upload image: %d bytes, over Feishu's %d", len(png), maxUpload)}
	}
	token, err := u.tenantToken(ctx)
	if err != nil {
		return "", err
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("image_type", "message")
	part, _ := w.CreateFormFile("image", "chart.png")
	_, _ = part.Write(png)
	if err := w.Close(); err != nil {
		return "", &notify.SendError{Channel: Channel, Err: fmt.Errorf("upload image: %w", err)}
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	resp, err := u.post.Post(ctx, u.base+"/open-apis/im/v1/images", w.FormDataContentType(), body.Bytes(), h)
	if err != nil {
		return "", err
	}
	var a struct {
		Code *int   `json:"code"`
		Msg  string `json:"msg"`
		Data struct {
			ImageKey string `json:"image_key"`
		} `json:"data"`
	}
	if err := json.Unmarshal(resp.Body, &a); err != nil || a.Code == nil || *a.Code != 0 || a.Data.ImageKey == "" {
		se := &notify.SendError{Channel: Channel, Status: resp.Status, Answer: notify.ClipAnswer(string(resp.Body)),
			Err: errors.New("upload image: refused")}
		if a.Code != nil && badToken[*a.Code] {
			// Revoked or expired early: fetch a new token on the retry.
			u.mu.Lock()
			u.token = ""
			u.mu.Unlock()
			se.Retry = true
		}
		return "", se
	}
	return a.Data.ImageKey, nil
}
