package web

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"image"
	"image/jpeg"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	// Decoders of the formats people upload; each registers itself with
	// package image.
	_ "image/gif"
	_ "image/png"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"github.com/hypertube/hypertube"
)

const (
	maxPictureSize = 5 << 20
	// maxPicturePixels refuses image bombs: a small file that claims a huge
	// canvas would take gigabytes to decode.
	maxPicturePixels = 40_000_000
	pictureSide      = 256
)

// pictureName is what the site names pictures it wrote; nothing else is
// ever joined to the pictures directory.
var pictureName = regexp.MustCompile(`^[0-9a-f]{32}\.jpg$`)

func (h *handler) picturePath(name string) (string, bool) {
	if !pictureName.MatchString(name) {
		return "", false
	}
	return filepath.Join(h.dataDir, "pictures", name), true
}

// handleUploadPicture decodes the upload, shrinks it and re-encodes it as a
// JPEG, so what is served is always an image the site made.
func (h *handler) handleUploadPicture(w http.ResponseWriter, r *http.Request) {
	p := h.profilePage(r)
	refuse := func(key string) {
		p.Errors["picture"] = h.t(r, key)
		h.render(w, r, http.StatusBadRequest, "profile.html", p)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBody)
	if err := r.ParseMultipartForm(maxUploadBody); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			refuse("picture.tooLarge")
			return
		}
		refuse("picture.unreadable")
		return
	}
	f, fh, err := r.FormFile("picture")
	if err != nil {
		refuse("picture.missing")
		return
	}
	defer f.Close()
	if fh.Size > maxPictureSize {
		refuse("picture.tooLarge")
		return
	}
	data, err := io.ReadAll(io.LimitReader(f, maxPictureSize+1))
	if err != nil || len(data) > maxPictureSize {
		refuse("picture.tooLarge")
		return
	}
	img, err := decodePicture(data)
	if err != nil {
		refuse(hypertube.ErrorMessage(err))
		return
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, shrink(img, pictureSide), &jpeg.Options{Quality: 85}); err != nil {
		h.fail(w, r, err)
		return
	}
	name, err := h.savePicture(out.Bytes())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u := *p.User
	old := u.Picture
	u.Picture = name
	if err := h.users.UpdateUser(r.Context(), &u); err != nil {
		os.Remove(filepath.Join(h.dataDir, "pictures", name))
		h.fail(w, r, err)
		return
	}
	if path, ok := h.picturePath(old); ok {
		os.Remove(path)
	}
	http.Redirect(w, r, "/profile?done=picture", http.StatusSeeOther)
}

// decodePicture checks the header before decoding, so a bomb is refused
// before any memory is spent on its pixels. Errors carry catalog keys.
func decodePicture(data []byte) (image.Image, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, keyError(hypertube.EINVALID, "picture.notImage")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPicturePixels {
		return nil, keyError(hypertube.EINVALID, "picture.tooManyPixels")
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, keyError(hypertube.EINVALID, "picture.damaged")
	}
	return img, nil
}

// shrink fits img in side×side, keeping its proportions; smaller images
// are only copied (onto white, as JPEG has no transparency).
func shrink(img image.Image, side int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > side || h > side {
		if w >= h {
			w, h = side, max(1, h*side/b.Dx())
		} else {
			w, h = max(1, w*side/b.Dy()), side
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Over, nil)
	return dst
}

func (h *handler) savePicture(data []byte) (string, error) {
	dir := filepath.Join(h.dataDir, "pictures")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	var b [16]byte
	rand.Read(b[:])
	name := hex.EncodeToString(b[:]) + ".jpg"
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return name, os.Rename(tmp.Name(), filepath.Join(dir, name))
}

// handlePicture serves a person's picture: always as a JPEG the site
// encoded, never sniffed.
func (h *handler) handlePicture(w http.ResponseWriter, r *http.Request) {
	u, err := h.userFromPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	path, ok := h.picturePath(u.Picture)
	if !ok {
		h.renderError(w, r, http.StatusNotFound, h.t(r, "picture.none"))
		return
	}
	f, err := os.Open(path)
	if err != nil {
		h.renderError(w, r, http.StatusNotFound, h.t(r, "picture.none"))
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=86400")
	// The name changes with every upload, so it makes a strong tag.
	w.Header().Set("ETag", strconv.Quote(u.Picture))
	http.ServeContent(w, r, "", st.ModTime(), f)
}
