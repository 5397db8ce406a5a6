package notify

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
)

// ErrTooLarge says a PNG could not be brought under a size limit.
var ErrTooLarge = errors.New("image too large")

// ShrinkPNG returns data if it fits in max bytes; otherwise it halves the
// image's width and height (averaging each 2×2 block) and re-encodes it at
// best compression, up to three times. A chart halved stays readable; after
// that it is better sent as a link, and ErrTooLarge says so.
func ShrinkPNG(data []byte, max int) ([]byte, error) {
	if len(data) <= max {
		return data, nil
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("shrink image: %w", err)
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	for round := 0; round < 3; round++ {
		img = halve(img)
		var b bytes.Buffer
		if err := enc.Encode(&b, img); err != nil {
			return nil, fmt.Errorf("shrink image: %w", err)
		}
		if b.Len() <= max {
			return b.Bytes(), nil
		}
	}
	return nil, fmt.Errorf("shrink image of %d bytes below %d: %w", len(data), max, ErrTooLarge)
}

// halve scales img to half its size with a box filter.
func halve(img image.Image) *image.NRGBA {
	r := img.Bounds()
	w, h := max(r.Dx()/2, 1), max(r.Dy()/2, 1)
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	rgba := pixel(img)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var sr, sg, sb, sa, n uint32
			for dy := 0; dy < 2; dy++ {
				for dx := 0; dx < 2; dx++ {
					px, py := r.Min.X+2*x+dx, r.Min.Y+2*y+dy
					if px >= r.Max.X || py >= r.Max.Y {
						continue
					}
					cr, cg, cb, ca := rgba(px, py)
					sr, sg, sb, sa, n = sr+cr, sg+cg, sb+cb, sa+ca, n+1
				}
			}
			// Average premultiplied values, then un-premultiply for NRGBA.
			sr, sg, sb, sa = sr/n, sg/n, sb/n, sa/n
			i := out.PixOffset(x, y)
			if sa > 0 {
				out.Pix[i] = uint8(sr * 0xffff / sa >> 8)
				out.Pix[i+1] = uint8(sg * 0xffff / sa >> 8)
				out.Pix[i+2] = uint8(sb * 0xffff / sa >> 8)
			}
			out.Pix[i+3] = uint8(sa >> 8)
		}
	}
	return out
}

// pixel returns a reader of premultiplied 16-bit colour. PNGs decode to
// NRGBA or RGBA mostly; reading their bytes directly avoids an allocation
// per pixel through image.Image.At.
func pixel(img image.Image) func(x, y int) (r, g, b, a uint32) {
	switch m := img.(type) {
	case *image.NRGBA:
		return func(x, y int) (uint32, uint32, uint32, uint32) {
			i := m.PixOffset(x, y)
			a := uint32(m.Pix[i+3]) * 0x101
			r := uint32(m.Pix[i]) * 0x101 * a / 0xffff
			g := uint32(m.Pix[i+1]) * 0x101 * a / 0xffff
			b := uint32(m.Pix[i+2]) * 0x101 * a / 0xffff
			return r, g, b, a
		}
	case *image.RGBA:
		return func(x, y int) (uint32, uint32, uint32, uint32) {
			i := m.PixOffset(x, y)
			return uint32(m.Pix[i]) * 0x101, uint32(m.Pix[i+1]) * 0x101, uint32(m.Pix[i+2]) * 0x101, uint32(m.Pix[i+3]) * 0x101
		}
	}
	return func(x, y int) (uint32, uint32, uint32, uint32) { return img.At(x, y).RGBA() }
}
