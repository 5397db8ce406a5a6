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
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var sr, sg, sb, sa, n uint32
			for dy := 0; dy < 2; dy++ {
				for dx := 0; dx < 2; dx++ {
					px, py := r.Min.X+2*x+dx, r.Min.Y+2*y+dy
					if px >= r.Max.X || py >= r.Max.Y {
						continue
					}
					cr, cg, cb, ca := img.At(px, py).RGBA()
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
