package catalog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/hypertube/hypertube"
)

// maxBody caps what we read from a catalog service: the largest real answer
// (a TMDB film with credits) is a few hundred KiB.
const maxBody = 8 << 20

// defaultMaxRetryWait is the longest Retry-After we sit through. A viewer is
// waiting for the page; beyond this the source is reported as unavailable.
const defaultMaxRetryWait = 5 * time.Second

// fetcher makes GET requests to one service.
type fetcher struct {
	name         string // the service's name as a person knows it: "TMDB"
	client       *http.Client
	header       http.Header
	maxRetryWait time.Duration
	log          *slog.Logger
}

func newFetcher(name string, client *http.Client, maxRetryWait time.Duration, log *slog.Logger) *fetcher {
	if maxRetryWait <= 0 {
		maxRetryWait = defaultMaxRetryWait
	}
	if log == nil {
		log = slog.Default()
	}
	return &fetcher{name: name, client: defaultClient(client), header: http.Header{}, maxRetryWait: maxRetryWait, log: log}
}

// get fetches u. It returns the body whatever the status, so that the
// caller can read the service's own error format; err is only for requests
// that got no answer. A 429 is retried once after its Retry-After.
func (f *fetcher) get(ctx context.Context, u string) (body []byte, status int, err error) {
	for attempt := 0; ; attempt++ {
		body, status, wait, err := f.getOnce(ctx, u)
		if err != nil || status != http.StatusTooManyRequests || attempt > 0 || wait > f.maxRetryWait {
			return body, status, err
		}
		f.log.Info("catalog: rate-limited, waiting", "service", f.name, "wait", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, 0, ctx.Err()
		case <-t.C:
		}
	}
}

func (f *fetcher) getOnce(ctx context.Context, u string) ([]byte, int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("catalog: %s: %w", f.name, err)
	}
	for k, v := range f.header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, 0, ctx.Err()
		}
		// The URL may hold an API key: log the error without it.
		var uerr interface{ Timeout() bool }
		f.log.Warn("catalog: request failed", "service", f.name, "err", errors.Unwrap(err))
		if errors.As(err, &uerr) && uerr.Timeout() {
			return nil, 0, 0, hypertube.Errorf(hypertube.ETIMEOUT, "%s did not answer in time.", f.name)
		}
		return nil, 0, 0, hypertube.Errorf(hypertube.EUNAVAILABLE, "%s cannot be reached right now.", f.name)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		f.log.Warn("catalog: reading answer failed", "service", f.name, "err", err)
		return nil, 0, 0, hypertube.Errorf(hypertube.EUNAVAILABLE, "%s sent an incomplete answer.", f.name)
	}
	return body, resp.StatusCode, retryAfter(resp.Header.Get("Retry-After")), nil
}

// retryAfter reads a Retry-After header: seconds or an HTTP date. A missing
// or unreadable one means "wait a second", the least a polite client waits.
func retryAfter(v string) time.Duration {
	if v == "" {
		return time.Second
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return time.Second
}

// statusError turns a failed answer into an error for people; detail, the
// service's own words, goes to the log only.
func (f *fetcher) statusError(status int, detail string) error {
	f.log.Warn("catalog: service answered with an error", "service", f.name, "status", status, "detail", detail)
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return hypertube.Errorf(hypertube.EUNAVAILABLE, "%s refused Hypertube's API key.", f.name)
	case status == http.StatusNotFound:
		return hypertube.Errorf(hypertube.ENOTFOUND, "%s does not know this film.", f.name)
	case status == http.StatusTooManyRequests:
		return hypertube.Errorf(hypertube.EUNAVAILABLE, "%s is limiting our requests; try again in a minute.", f.name)
	default:
		return hypertube.Errorf(hypertube.EUNAVAILABLE, "%s is unavailable right now.", f.name)
	}
}

// decodeError reports an answer that is not the JSON we expect.
func (f *fetcher) decodeError(err error) error {
	f.log.Warn("catalog: unreadable answer", "service", f.name, "err", err)
	return hypertube.Errorf(hypertube.EUNAVAILABLE, "%s sent an answer we could not read.", f.name)
}

func checkPage(page int) error {
	if page < 1 || page > 1000 {
		return hypertube.Errorf(hypertube.EINVALID, "Page %d does not exist: pages count from 1 to 1000.", page)
	}
	return nil
}
