package server

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/beaconbi/beacon/risk"
)

// scoringDetail completes the error body of a risk answer refused while the
// churn scores are computed: the scoring state (months done and pending),
// Retry-After, and the message in the caller's language (lang=zh|en, else
// Accept-Language, else English), so a client can show progress instead
// of an error.
func scoringDetail(c *fiber.Ctx, err error, d *errorDetail) {
	se, ok := risk.AsScoringError(err)
	if !ok {
		return
	}
	st := se.Status
	d.Scoring = &st
	d.Message = se.Message(requestLang(c))
	if st.RetryAfter > 0 {
		d.RetryAfter = st.RetryAfter
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(st.RetryAfter))
	}
}

// requestLang is the language a message is written in for this request:
// the lang parameter, else the first of zh and en in Accept-Language,
// else English.
func requestLang(c *fiber.Ctx) string {
	if l := c.Query("lang"); l == "zh" || l == "en" {
		return l
	}
	if c.Get(fiber.HeaderAcceptLanguage) != "" && strings.HasPrefix(c.AcceptsLanguages("zh", "zh-CN", "en"), "zh") {
		return "zh"
	}
	return "en"
}

// readyzScoringWait bounds the wait of /readyz for a read connection.
const readyzScoringWait = 200 * time.Millisecond

// scoringState adds the state of the churn scores to /readyz's answer, on
// a bank the server scores: a server is ready while scores are computed
// (other answers are served), and this says how far they are.
func (s *Server) scoringState(c *fiber.Ctx, out fiber.Map) {
	// Readiness must answer at once even when every read connection is
	// held by long work: the state waits for one a moment, else is left out.
	ctx, cancel := context.WithTimeout(context.Background(), readyzScoringWait)
	type read struct {
		st  risk.ScoringStatus
		err error
	}
	done := make(chan read, 1)
	go func() {
		defer cancel()
		st, err := risk.ReadScoringStatus(ctx, s.db)
		done <- read{st, err}
	}()
	var got read
	select {
	case got = <-done:
	case <-time.After(readyzScoringWait):
		s.log.Debug("readiness: churn scoring state not read in time")
		return
	}
	st, err := got.st, got.err
	if err != nil {
		s.log.Debug("readiness: churn scoring state not read", "err", err)
		return
	}
	if st.State != risk.ScoringNone {
		out["churn_scores"] = st
	}
}

// modelPending answers GET /risk/model before a model is stored: while the
// server trains one, the computing refusal with its progress; otherwise
// the not-found error.
func (s *Server) modelPending(c *fiber.Ctx, noModel error) error {
	st, err := risk.ReadScoringStatus(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	if st.State == risk.ScoringTraining {
		return risk.ComputingError(st, "", requestLang(c))
	}
	return noModel
}
