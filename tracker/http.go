package tracker

import (
	"encoding/binary"
	"encoding/hex"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/anacrolix/torrent/bencode"

	"github.com/hypertube/hypertube"
)

// maxScrapeHashes bounds the work one HTTP scrape can ask for.
const maxScrapeHashes = 256

// ServeHTTP answers BitTorrent announces (paths ending in /announce) and
// scrapes (paths ending in /scrape). Bad requests get HTTP 200 with a
// bencoded "failure reason", because that is what clients show their users.
func (t *Tracker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/announce"):
		t.serveAnnounce(w, r)
	case strings.HasSuffix(r.URL.Path, "/scrape"):
		t.serveScrape(w, r)
	default:
		http.NotFound(w, r)
	}
}

type httpAnnounceResponse struct {
	Interval    int    `bencode:"interval"`
	MinInterval int    `bencode:"min interval"`
	Complete    int    `bencode:"complete"`
	Incomplete  int    `bencode:"incomplete"`
	Peers       any    `bencode:"peers"` // compact string or []httpPeer
	Peers6      []byte `bencode:"peers6,omitempty"`
}

type httpPeer struct {
	PeerID []byte `bencode:"peer id,omitempty"`
	IP     string `bencode:"ip"`
	Port   int    `bencode:"port"`
}

type httpScrapeResponse struct {
	Files map[string]httpScrapeFile `bencode:"files"`
}

type httpScrapeFile struct {
	Complete   int `bencode:"complete"`
	Downloaded int `bencode:"downloaded"`
	Incomplete int `bencode:"incomplete"`
}

type httpFailure struct {
	Reason string `bencode:"failure reason"`
}

func (t *Tracker) serveAnnounce(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		t.fail(w, r, hypertube.Errorf(hypertube.EINVALID, "The announce URL is malformed: %v.", err))
		return
	}
	remote, err := remoteAddr(r)
	if err != nil {
		t.fail(w, r, err)
		return
	}
	a, err := parseHTTPAnnounce(q, remote)
	if err != nil {
		t.fail(w, r, err)
		return
	}
	res := t.announce(a)
	t.log.Debug("tracker: http announce", "info_hash", hexHash(a.infoHash), "peer", a.addr, "left", a.left, "event", a.event, "returned", len(res.peers))

	resp := httpAnnounceResponse{
		Interval:    int(t.interval.Seconds()),
		MinInterval: int(t.minInterval.Seconds()),
		Complete:    res.complete,
		Incomplete:  res.incomplete,
	}
	if q.Get("compact") == "0" {
		withID := q.Get("no_peer_id") == ""
		list := make([]httpPeer, 0, len(res.peers))
		for _, p := range res.peers {
			hp := httpPeer{IP: p.addr.Addr().String(), Port: int(p.addr.Port())}
			if withID {
				hp.PeerID = p.id[:]
			}
			list = append(list, hp)
		}
		resp.Peers = list
	} else {
		v4, v6 := compactPeers(res.peers)
		resp.Peers = v4
		resp.Peers6 = v6
	}
	writeBencode(w, r, t, resp)
}

// parseHTTPAnnounce checks an announce's parameters. remote is the address
// the request came from; the "ip" parameter may replace it only when the
// request comes from this machine (a local proxy or a test), so that nobody
// can point the swarm at a third party.
func parseHTTPAnnounce(q url.Values, remote netip.Addr) (announce, error) {
	var a announce
	var err error
	if a.infoHash, err = hash20(q, "info_hash"); err != nil {
		return a, err
	}
	if a.peerID, err = hash20(q, "peer_id"); err != nil {
		return a, err
	}
	port, err := strconv.ParseUint(q.Get("port"), 10, 16)
	if err != nil || port == 0 {
		return a, hypertube.Errorf(hypertube.EINVALID, "port must be a number from 1 to 65535, got %q.", q.Get("port"))
	}
	for _, name := range []string{"uploaded", "downloaded", "left"} {
		if v := q.Get(name); v != "" {
			if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 0 {
				return a, hypertube.Errorf(hypertube.EINVALID, "%s must be a whole number of bytes, got %q.", name, v)
			}
		}
	}
	a.left = -1 // a client that does not say is counted as a leecher
	if v := q.Get("left"); v != "" {
		a.left, _ = strconv.ParseInt(v, 10, 64)
	}
	a.numWant = defaultNumWant
	if v := q.Get("numwant"); v != "" {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return a, hypertube.Errorf(hypertube.EINVALID, "numwant must be a whole number, got %q.", v)
		}
		a.numWant = clampNumWant(n)
	}
	switch v := q.Get("event"); v {
	case "", "empty", "paused": // "paused" is BEP 21: still in the swarm
		a.event = eventNone
	case "started":
		a.event = eventStarted
	case "completed":
		a.event = eventCompleted
	case "stopped":
		a.event = eventStopped
		a.numWant = 0
	default:
		return a, hypertube.Errorf(hypertube.EINVALID, "event must be started, completed, stopped or empty, got %q.", v)
	}
	ip := remote
	if v := q.Get("ip"); v != "" && remote.IsLoopback() {
		if ip, err = netip.ParseAddr(v); err != nil {
			return a, hypertube.Errorf(hypertube.EINVALID, "ip must be an IP address, got %q.", v)
		}
	}
	a.addr = netip.AddrPortFrom(ip.Unmap(), uint16(port))
	return a, nil
}

func (t *Tracker) serveScrape(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		t.fail(w, r, hypertube.Errorf(hypertube.EINVALID, "The scrape URL is malformed: %v.", err))
		return
	}
	raw := q["info_hash"]
	if len(raw) > maxScrapeHashes {
		t.fail(w, r, hypertube.Errorf(hypertube.EINVALID, "A scrape may ask for at most %d info_hash, got %d.", maxScrapeHashes, len(raw)))
		return
	}
	hashes := make([][20]byte, 0, len(raw))
	for _, s := range raw {
		if len(s) != 20 {
			t.fail(w, r, hypertube.Errorf(hypertube.EINVALID, "info_hash must be 20 bytes, got %d.", len(s)))
			return
		}
		hashes = append(hashes, [20]byte([]byte(s)))
	}
	resp := httpScrapeResponse{Files: make(map[string]httpScrapeFile)}
	for h, st := range t.scrape(hashes) {
		resp.Files[string(h[:])] = httpScrapeFile{Complete: st.complete, Downloaded: st.downloaded, Incomplete: st.incomplete}
	}
	writeBencode(w, r, t, resp)
}

func (t *Tracker) fail(w http.ResponseWriter, r *http.Request, err error) {
	t.log.Debug("tracker: rejected request", "remote", r.RemoteAddr, "url", r.URL.String(), "err", err)
	writeBencode(w, r, t, httpFailure{Reason: hypertube.ErrorMessage(err)})
}

func writeBencode(w http.ResponseWriter, r *http.Request, t *Tracker, v any) {
	body, err := bencode.Marshal(v)
	if err != nil { // our own types always marshal; this is a bug
		t.log.Error("tracker: encoding response", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func hash20(q url.Values, name string) ([20]byte, error) {
	vs, ok := q[name]
	if !ok {
		return [20]byte{}, hypertube.Errorf(hypertube.EINVALID, "%s is missing.", name)
	}
	if len(vs) != 1 {
		return [20]byte{}, hypertube.Errorf(hypertube.EINVALID, "%s must be given once, got %d.", name, len(vs))
	}
	if len(vs[0]) != 20 {
		return [20]byte{}, hypertube.Errorf(hypertube.EINVALID, "%s must be 20 bytes, got %d.", name, len(vs[0]))
	}
	return [20]byte([]byte(vs[0])), nil
}

func remoteAddr(r *http.Request) (netip.Addr, error) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err == nil {
		var ip netip.Addr
		if ip, err = netip.ParseAddr(host); err == nil {
			return ip.Unmap().WithZone(""), nil
		}
	}
	return netip.Addr{}, hypertube.Errorf(hypertube.EINTERNAL, "The tracker could not tell your address.")
}

// compactPeers encodes peers as BEP 23 (IPv4, 6 bytes each) and BEP 7 (IPv6,
// 18 bytes each) strings.
func compactPeers(peers []peer) (v4, v6 []byte) {
	v4 = []byte{} // "peers" must be present even when empty
	for _, p := range peers {
		if p.addr.Addr().Is4() {
			v4 = appendCompact(v4, p.addr)
		} else {
			v6 = appendCompact(v6, p.addr)
		}
	}
	return v4, v6
}

func appendCompact(b []byte, ap netip.AddrPort) []byte {
	b = append(b, ap.Addr().AsSlice()...)
	return binary.BigEndian.AppendUint16(b, ap.Port())
}

func hexHash(h [20]byte) string { return hex.EncodeToString(h[:]) }
