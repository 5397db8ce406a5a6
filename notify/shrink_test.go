package notify_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/notify/notifytest"
)

func TestShrinkPNGAveragesBlocks(t *testing.T) {
	// A 4×2 image: the left 2×2 block black and white, the right one
	// half-transparent red; over the limit by construction (limit 1 byte
	// less than its size).
	img := image.NewNRGBA(image.Rect(0, 0, 4, 2))
	img.SetNRGBA(0, 0, color.NRGBA{0, 0, 0, 255})
	img.SetNRGBA(1, 0, color.NRGBA{255, 255, 255, 255})
	img.SetNRGBA(0, 1, color.NRGBA{0, 0, 0, 255})
	img.SetNRGBA(1, 1, color.NRGBA{255, 255, 255, 255})
	for y := 0; y < 2; y++ {
		for x := 2; x < 4; x++ {
			img.SetNRGBA(x, y, color.NRGBA{255, 0, 0, 128})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	out, err := notify.ShrinkPNG(b.Bytes(), b.Len()-1)
	if err != nil {
		t.Fatal(err)
	}
	got, err := png.Decode(bytes.NewReader(out))
	if err != nil || got.Bounds().Dx() != 2 || got.Bounds().Dy() != 1 {
		t.Fatalf("%v, %v", got.Bounds(), err)
	}
	grey := color.NRGBAModel.Convert(got.At(0, 0)).(color.NRGBA)
	red := color.NRGBAModel.Convert(got.At(1, 0)).(color.NRGBA)
	if grey.R < 126 || grey.R > 128 || grey.G != grey.R || grey.A != 255 {
		t.Errorf("black and white averaged to %v, want mid grey", grey)
	}
	if red.R < 254 || red.G != 0 || red.A < 127 || red.A > 128 {
		t.Errorf("half-transparent red became %v", red)
	}
}

func TestShrinkPNGGivesUp(t *testing.T) {
	if _, err := notify.ShrinkPNG(notifytest.NoisePNG(64, 64, 2), 100); !errors.Is(err, notify.ErrTooLarge) {
		t.Errorf("err %v, want ErrTooLarge", err)
	}
	small := notifytest.PNG(8, 8)
	if out, err := notify.ShrinkPNG(small, len(small)); err != nil || !bytes.Equal(out, small) {
		t.Errorf("an image that fits was changed: %v", err)
	}
}
