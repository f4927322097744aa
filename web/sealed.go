package web

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// sealed is the envelope of a signed cookie: its content and when it stops
// being valid, whatever the browser does with Max-Age.
type sealed struct {
	Expires int64           `json:"exp"`
	Data    json.RawMessage `json:"data"`
}

// setSealedCookie stores v in an HttpOnly cookie signed for purpose, valid
// for ttl. The content is readable by the browser's owner, so it must hold
// nothing secret from them; it cannot be changed without the site's key.
func (h *handler) setSealedCookie(w http.ResponseWriter, name, purpose string, v any, ttl time.Duration) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	env, err := json.Marshal(sealed{Expires: h.now().Add(ttl).Unix(), Data: data})
	if err != nil {
		return err
	}
	body := base64.RawURLEncoding.EncodeToString(env)
	h.setCookie(w, name, body+"."+h.sign(purpose, body), ttl)
	return nil
}

// sealedCookie reads into v the cookie setSealedCookie wrote, if it is
// there, signed for purpose and not expired.
func (h *handler) sealedCookie(r *http.Request, name, purpose string, v any) bool {
	c, err := r.Cookie(name)
	if err != nil || len(c.Value) > 4096 {
		return false
	}
	body, sig, ok := strings.Cut(c.Value, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(h.sign(purpose, body))) {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return false
	}
	var env sealed
	if json.Unmarshal(raw, &env) != nil || h.now().Unix() >= env.Expires {
		return false
	}
	return json.Unmarshal(env.Data, v) == nil
}
