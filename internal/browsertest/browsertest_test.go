package browsertest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hypertube/hypertube/internal/browsertest"
)

func TestConsoleRecordsErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bad.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Write([]byte(`console.error("boom"); undefinedFunction();`))
		case "/":
			w.Write([]byte(`<!doctype html><title>t</title><p id=p>hi</p>`))
		case "/bad":
			w.Write([]byte(`<!doctype html><title>t</title><script src="/bad.js"></script>`))
		case "/favicon.ico":
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx, console := browsertest.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text("#p"))
	if err != nil {
		t.Fatal(err)
	}
	if text != "hi" || len(console.Errors()) != 0 {
		t.Fatalf("clean page: text %q, errors %q", text, console.Errors())
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/bad")); err != nil {
		t.Fatal(err)
	}
	if err := browsertest.WaitJS(ctx, "document.readyState === 'complete'", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(console.Errors()) < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := console.Errors(); len(got) < 2 {
		t.Fatalf("want console.error and the exception recorded, got %q", got)
	}
}
