package tracker

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"net"
	"net/netip"
	"time"
)

// BEP 15 wire constants.
const (
	udpProtocolID = 0x41727101980

	actionConnect  = 0
	actionAnnounce = 1
	actionScrape   = 2
	actionError    = 3

	udpHeaderLen   = 16 // connection id, action, transaction id
	udpAnnounceLen = 98
	// 74 hashes keep a scrape answer (8 + 12 per hash) inside one packet.
	maxUDPScrapeHashes = 74
	// Answers stay under a common MTU so that they are not fragmented.
	maxUDPResponse = 1400

	// A connection ID is valid in the window it was issued in and the next
	// one: between one and two minutes, as BEP 15 expects.
	connIDWindow = time.Minute
)

// ServeUDP answers BEP 15 requests arriving on conn until ctx ends, then
// returns nil; it returns early with the error of a failed read. It does not
// close conn.
func (t *Tracker) ServeUDP(ctx context.Context, conn net.PacketConn) error {
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
	defer stop()
	buf := make([]byte, 2048)
	for {
		n, from, err := conn.ReadFrom(buf)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		ua, ok := from.(*net.UDPAddr)
		if !ok {
			continue
		}
		addr := ua.AddrPort()
		addr = netip.AddrPortFrom(addr.Addr().Unmap().WithZone(""), addr.Port())
		if resp := t.handlePacket(buf[:n], addr); resp != nil {
			if _, err := conn.WriteTo(resp, from); err != nil {
				t.log.Debug("tracker: udp write", "to", from, "err", err)
			}
		}
	}
}

// handlePacket returns the answer to one datagram, or nil when it deserves
// none. Until a connection ID proves that the sender owns its address, an
// answer is never longer than the request, so that the tracker cannot be used
// to amplify a spoofed flood.
func (t *Tracker) handlePacket(pkt []byte, from netip.AddrPort) []byte {
	if len(pkt) < udpHeaderLen {
		return nil // too short to hold a transaction ID to answer to
	}
	connID := binary.BigEndian.Uint64(pkt[0:8])
	action := binary.BigEndian.Uint32(pkt[8:12])
	txID := pkt[12:16]

	if action == actionConnect {
		if connID != udpProtocolID {
			return nil // not a BitTorrent client
		}
		resp := udpResponseHeader(actionConnect, txID)
		return binary.BigEndian.AppendUint64(resp, t.connID(from, t.now()))
	}
	if !t.validConnID(connID, from) {
		return udpErrorCapped(txID, "connection ID expired", len(pkt))
	}
	switch action {
	case actionAnnounce:
		return t.handleUDPAnnounce(pkt, from, txID)
	case actionScrape:
		return t.handleUDPScrape(pkt, txID)
	default:
		return udpError(txID, "unknown action")
	}
}

func (t *Tracker) handleUDPAnnounce(pkt []byte, from netip.AddrPort, txID []byte) []byte {
	if len(pkt) < udpAnnounceLen { // more is BEP 41 options, which we ignore
		return udpError(txID, "announce request too short")
	}
	var a announce
	a.infoHash = [20]byte(pkt[16:36])
	a.peerID = [20]byte(pkt[36:56])
	// downloaded (56:64) and uploaded (72:80) are not used.
	a.left = int64(binary.BigEndian.Uint64(pkt[64:72]))
	if a.left < 0 {
		a.left = -1
	}
	ev := binary.BigEndian.Uint32(pkt[80:84])
	if ev > uint32(eventStopped) {
		return udpError(txID, "unknown event")
	}
	a.event = event(ev)
	ip := from.Addr()
	if v := [4]byte(pkt[84:88]); v != [4]byte{} && ip.IsLoopback() {
		ip = netip.AddrFrom4(v) // see parseHTTPAnnounce for why only loopback
	}
	a.numWant = clampNumWant(int64(int32(binary.BigEndian.Uint32(pkt[92:96]))))
	if a.event == eventStopped {
		a.numWant = 0
	}
	port := binary.BigEndian.Uint16(pkt[96:98])
	if port == 0 {
		return udpError(txID, "port must be from 1 to 65535")
	}
	a.addr = netip.AddrPortFrom(ip, port)

	res := t.announce(a)
	t.log.Debug("tracker: udp announce", "info_hash", hexHash(a.infoHash), "peer", a.addr, "left", a.left, "event", a.event, "returned", len(res.peers))

	resp := udpResponseHeader(actionAnnounce, txID)
	resp = binary.BigEndian.AppendUint32(resp, uint32(t.interval.Seconds()))
	resp = binary.BigEndian.AppendUint32(resp, uint32(res.incomplete))
	resp = binary.BigEndian.AppendUint32(resp, uint32(res.complete))
	// BEP 15 has no family marker: the sender's family decides the size.
	for _, p := range res.peers {
		if p.addr.Addr().Is4() != from.Addr().Is4() {
			continue
		}
		if len(resp)+18 > maxUDPResponse {
			break
		}
		resp = appendCompact(resp, p.addr)
	}
	return resp
}

func (t *Tracker) handleUDPScrape(pkt []byte, txID []byte) []byte {
	body := pkt[udpHeaderLen:]
	if len(body) == 0 || len(body)%20 != 0 {
		return udpError(txID, "scrape request must hold one or more 20-byte info hashes")
	}
	if len(body)/20 > maxUDPScrapeHashes {
		return udpError(txID, "too many info hashes in one scrape")
	}
	hashes := make([][20]byte, 0, len(body)/20)
	for i := 0; i < len(body); i += 20 {
		hashes = append(hashes, [20]byte(body[i:i+20]))
	}
	stats := t.scrape(hashes)
	resp := udpResponseHeader(actionScrape, txID)
	for _, h := range hashes { // in request order, as BEP 15 requires
		st := stats[h]
		resp = binary.BigEndian.AppendUint32(resp, uint32(st.complete))
		resp = binary.BigEndian.AppendUint32(resp, uint32(st.downloaded))
		resp = binary.BigEndian.AppendUint32(resp, uint32(st.incomplete))
	}
	return resp
}

// connID derives a connection ID from the client's address and the time
// window, signed with a per-process key: nothing to store, nothing to guess.
func (t *Tracker) connID(from netip.AddrPort, at time.Time) uint64 {
	window := at.UnixNano() / int64(connIDWindow)
	mac := hmac.New(sha256.New, t.connKey[:])
	b, _ := from.MarshalBinary()
	mac.Write(b)
	mac.Write(binary.BigEndian.AppendUint64(nil, uint64(window)))
	return binary.BigEndian.Uint64(mac.Sum(nil))
}

func (t *Tracker) validConnID(id uint64, from netip.AddrPort) bool {
	now := t.now()
	got := binary.BigEndian.AppendUint64(nil, id)
	for _, at := range []time.Time{now, now.Add(-connIDWindow)} {
		want := binary.BigEndian.AppendUint64(nil, t.connID(from, at))
		if hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

func udpResponseHeader(action uint32, txID []byte) []byte {
	b := make([]byte, 0, 64)
	b = binary.BigEndian.AppendUint32(b, action)
	return append(b, txID...)
}

func udpError(txID []byte, msg string) []byte {
	return append(udpResponseHeader(actionError, txID), msg...)
}

// udpErrorCapped answers an unproven sender with an error no longer than its
// request, or not at all.
func udpErrorCapped(txID []byte, msg string, limit int) []byte {
	resp := udpError(txID, msg)
	if len(resp) > limit {
		return nil
	}
	return resp
}
