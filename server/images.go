package server

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/beaconbi/beacon/imagestore"
)

// mountImages adds GET /images/{token}.png when an image store is
// configured. It takes no authentication: chat providers (DingTalk shows
// images only by URL) fetch the image themselves, and the unguessable
// token is the capability.
func (s *Server) mountImages() {
	if s.cfg.Images == nil {
		return
	}
	s.app.Get(imagestore.Path+":file", s.getImage)
}

// getImage handles GET /images/{token}.png: the image while its link
// lives, else 404 (an unknown, malformed and expired token all look alike).
func (s *Server) getImage(c *fiber.Ctx) error {
	tok, ok := strings.CutSuffix(c.Params("file"), ".png")
	if !ok || !imagestore.ValidToken(tok) {
		return errNoImage
	}
	png, left, err := s.cfg.Images.Get(tok)
	if errors.Is(err, imagestore.ErrNotFound) {
		return errNoImage
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	// The link is the secret: keep it out of shared caches, referrers and
	// search engines, and let a client keep the image only while it lives.
	c.Set(fiber.HeaderCacheControl, fmt.Sprintf("private, max-age=%d", int(left.Seconds())))
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	c.Set("X-Robots-Tag", "noindex, nofollow")
	return c.Send(png)
}

var errNoImage = fiber.NewError(fiber.StatusNotFound, "no such image: the link is wrong or has expired")
