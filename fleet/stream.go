package fleet

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// StreamOptions are the stream and bucket settings Ensure applies. The
// zero value suits the embedded server: one replica, as many events as the
// server's JetStream store holds, no age limit, file storage, a ten-minute
// duplicate window.
type StreamOptions struct {
	// Replicas is each stream's and bucket's replica count (1 to 5; 3 in
	// a production cluster). 0 means 1.
	Replicas int
	// MaxBytes bounds the event stream; the oldest events go first when it
	// is full (retention by limits). 0 leaves it to the server's store limit.
	MaxBytes int64
	// MaxAge drops events older than this; 0 keeps them.
	MaxAge time.Duration
	// Duplicates is the window in which the server drops a message whose
	// Nats-Msg-Id it has seen; 0 means DefaultDuplicates.
	Duplicates time.Duration
	// Memory keeps the stream and bucket in memory instead of files.
	Memory bool
}

// Defaults of StreamOptions.
const (
	DefaultDuplicates = 10 * time.Minute
)

// Ensure creates the event stream and the recordings bucket, or updates
// their settings to opts.
func Ensure(ctx context.Context, js jetstream.JetStream, opts StreamOptions) error {
	_, err := js.CreateOrUpdateStream(ctx, opts.eventsConfig())
	if err != nil {
		return fmt.Errorf("fleet: stream %s: %w", StreamEvents, err)
	}
	_, err = js.CreateOrUpdateKeyValue(ctx, opts.callsConfig())
	if err != nil {
		return fmt.Errorf("fleet: bucket %s: %w", BucketCalls, err)
	}
	return nil
}

func (opts StreamOptions) storage() jetstream.StorageType {
	if opts.Memory {
		return jetstream.MemoryStorage
	}
	return jetstream.FileStorage
}

func (opts StreamOptions) replicas() int {
	if opts.Replicas == 0 {
		return 1
	}
	return opts.Replicas
}

func (opts StreamOptions) eventsConfig() jetstream.StreamConfig {
	c := jetstream.StreamConfig{Name: StreamEvents, Subjects: []string{SubjectPrefix + ".>"},
		Description: "callrec: recorded events, one message each",
		Retention:   jetstream.LimitsPolicy, Discard: jetstream.DiscardOld, Storage: opts.storage(),
		Replicas: opts.replicas(), MaxBytes: opts.MaxBytes, MaxAge: opts.MaxAge,
		Duplicates: opts.Duplicates, AllowDirect: true, MaxMsgs: -1, MaxMsgsPerSubject: -1}
	if c.MaxBytes == 0 {
		c.MaxBytes = -1
	}
	if c.Duplicates == 0 {
		c.Duplicates = DefaultDuplicates
	}
	if c.MaxAge != 0 && c.Duplicates > c.MaxAge {
		c.Duplicates = c.MaxAge
	}
	return c
}

func (opts StreamOptions) callsConfig() jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{Bucket: BucketCalls, Description: "callrec: each recording's metadata",
		History: 1, Storage: opts.storage(), Replicas: opts.replicas(), TTL: opts.MaxAge}
}
