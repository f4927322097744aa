package media

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hypertube/hypertube"
)

// DefaultIdle is how long a conversion lives after its viewer last asked
// for a segment: players ask every few seconds while they play, so silence
// this long means the viewer left.
const DefaultIdle = 30 * time.Second

// ahead is how many segments past ffmpeg's position a request may be and
// still wait for ffmpeg to get there, rather than restart it there.
const ahead = 2

// SessionConfig is what a Session converts, and how.
type SessionConfig struct {
	Owner string // for logs, such as "viewer 3 film 42"
	// Input is the film: a URL of our own stream endpoint, or a local path.
	Input           string
	Duration        time.Duration // the film's, from its probe
	SourceHeight    int           // the film's picture height
	Decision        Decision
	AudioTrack      int // index among the film's audio streams
	Quality         Quality
	SegmentDuration time.Duration // 0 means DefaultSegmentDuration
	Idle            time.Duration // 0 means DefaultIdle
	Preset          string        // libx264 preset; "" means "veryfast"
	ShortProbe      bool          // see HLSSpec
	// TempDir is where the session's segment directory is made; "" means
	// os.TempDir().
	TempDir string
}

// Session is one viewer's HLS conversion of one film, audio track and
// quality. It owns at most one ffmpeg job at a time and a directory of
// segments, both of which go when the viewer stops asking for segments or
// Close is called.
type Session struct {
	runner   *Runner
	cfg      SessionConfig
	dir      string
	playlist []byte
	count    int
	onClose  func(*Session)
	done     chan struct{}

	mu     sync.Mutex
	run    *hlsRun // nil before the first segment request
	timer  *time.Timer
	closed bool
}

// hlsRun is one ffmpeg job making segments from start on.
type hlsRun struct {
	start  int
	next   int // first segment of this run not seen on disk yet
	job    *Job
	cancel context.CancelFunc
}

// NewSession makes a session; ffmpeg starts with the first Segment call.
func NewSession(r *Runner, cfg SessionConfig) (*Session, error) {
	if cfg.Duration <= 0 {
		return nil, hypertube.Errorf(hypertube.EINVALID, "The film's length is unknown, so it cannot be converted.")
	}
	if cfg.Input == "" {
		return nil, hypertube.Errorf(hypertube.EINVALID, "The film to convert is missing.")
	}
	if cfg.SegmentDuration <= 0 {
		cfg.SegmentDuration = DefaultSegmentDuration
	}
	if cfg.Idle <= 0 {
		cfg.Idle = DefaultIdle
	}
	dir, err := os.MkdirTemp(cfg.TempDir, "hypertube-hls-")
	if err != nil {
		return nil, fmt.Errorf("media: session directory: %w", err)
	}
	s := &Session{
		runner:   r,
		cfg:      cfg,
		dir:      dir,
		playlist: Playlist(cfg.Duration, cfg.SegmentDuration),
		count:    segmentCount(cfg.Duration, cfg.SegmentDuration),
		done:     make(chan struct{}),
	}
	s.timer = time.AfterFunc(cfg.Idle, s.expire)
	return s, nil
}

// Playlist returns the VOD playlist of the whole film.
func (s *Session) Playlist() []byte {
	s.touch()
	return s.playlist
}

// Segments is the number of segments in the playlist.
func (s *Session) Segments() int { return s.count }

// Dir is the session's segment directory, removed when the session ends.
func (s *Session) Dir() string { return s.dir }

// Done is closed once the session has ended and its files are gone.
func (s *Session) Done() <-chan struct{} { return s.done }

// Job returns the running ffmpeg job, or nil.
func (s *Session) Job() *Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run == nil {
		return nil
	}
	return s.run.job
}

// Segment returns the path of segment n once it is complete, starting or
// restarting ffmpeg when n is not on its way. The file stays until the
// session ends.
func (s *Session) Segment(ctx context.Context, n int) (string, error) {
	if n < 0 || n >= s.count {
		return "", hypertube.Errorf(hypertube.ENOTFOUND, "This part of the film does not exist.")
	}
	path := filepath.Join(s.dir, SegmentName(n))
	fruitless := 0 // runs that ended cleanly without making n
	for {
		s.touch()
		if exists(path) {
			return path, nil
		}
		job, err := s.ensure(n)
		if err != nil {
			return "", err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-s.done:
			return "", s.endedError()
		case <-job.Done():
			if exists(path) {
				return path, nil
			}
			err := job.Wait()
			if err != nil && !s.isClosed() && !errors.Is(err, context.Canceled) && !errors.Is(err, ErrIdle) {
				return "", fmt.Errorf("%w: %w", hypertube.Errorf(hypertube.EINTERNAL, "The film could not be converted."), err)
			}
			if err == nil {
				if fruitless++; fruitless > 1 {
					return "", hypertube.Errorf(hypertube.EINTERNAL, "This part of the film could not be converted.")
				}
			}
			// Stopped for another request, or a clean end short of n: the
			// next round starts a run that makes n.
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// ensure makes sure a run is making segment n and returns its job.
func (s *Session) ensure(n int) (*Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, s.endedError()
	}
	if r := s.run; r != nil {
		for exists(filepath.Join(s.dir, SegmentName(r.next))) {
			r.next++
		}
		select {
		case <-r.job.Done():
			// A run that ended cleanly made everything up to the film's end.
			if r.job.Wait() == nil && n >= r.start && n < r.next {
				return r.job, nil
			}
		default:
			if n >= r.start && n <= r.next+ahead {
				return r.job, nil
			}
		}
		s.stopRun()
	}
	spec := HLSSpec{
		Input:           s.cfg.Input,
		StartSegment:    n,
		SegmentDuration: s.cfg.SegmentDuration,
		Dir:             s.dir,
		AudioTrack:      s.cfg.AudioTrack,
		VideoCopy:       s.cfg.Decision.VideoCopy,
		AudioCopy:       s.cfg.Decision.AudioCopy,
		Quality:         s.cfg.Quality,
		SourceHeight:    s.cfg.SourceHeight,
		Preset:          s.cfg.Preset,
		ShortProbe:      s.cfg.ShortProbe,
	}
	ctx, cancel := context.WithCancel(context.Background())
	job, err := s.runner.Start(ctx, s.cfg.Owner, HLSArgs(spec), JobOptions{Idle: s.cfg.Idle})
	if err != nil {
		cancel()
		return nil, err
	}
	s.runner.logger().Info("hls run started", "owner", s.cfg.Owner, "segment", n, "pid", job.Pid())
	s.run = &hlsRun{start: n, next: n, job: job, cancel: cancel}
	return job, nil
}

// stopRun kills the current run at once: "q" would make ffmpeg close the
// segment it is writing as if it were complete. s.mu must be held.
func (s *Session) stopRun() {
	if s.run == nil {
		return
	}
	s.run.cancel()
	<-s.run.job.Done()
	s.run = nil
}

func (s *Session) touch() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.timer.Reset(s.cfg.Idle)
	if s.run != nil {
		s.run.job.Touch()
	}
}

func (s *Session) expire() {
	s.runner.logger().Info("hls session idle; ending it", "owner", s.cfg.Owner, "idle", s.cfg.Idle)
	s.Close()
}

// Close stops ffmpeg and removes the segments. It may be called more than
// once.
func (s *Session) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.done
		return
	}
	s.closed = true
	s.timer.Stop()
	s.stopRun()
	s.mu.Unlock()
	if err := os.RemoveAll(s.dir); err != nil {
		s.runner.logger().Error("hls session: remove segments", "dir", s.dir, "err", err)
	}
	if s.onClose != nil {
		s.onClose(s)
	}
	close(s.done)
}

func (s *Session) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Session) endedError() error {
	return hypertube.Errorf(hypertube.ENOTFOUND, "This playback has ended; reload the page to watch again.")
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
