package fleet

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The work queue of fleet verify: stream StreamJobs holds one message
// per call to verify on subject "callrec.job.<run>", retained until a
// worker acknowledges it (work-queue retention); every worker pulls from
// the one durable consumer ConsumerWorkers, so each job goes to one
// worker at a time. A job not acknowledged within AckWait (its worker
// died, or hangs) goes to another; after MaxDeliver deliveries the server
// gives up on it and the run reports it as failed. Each job's result is
// one message on "callrec.result.<run>" in stream StreamResults, with
// Nats-Msg-Id "<run>:<call>": a job verified twice (its worker died
// between publishing and acknowledging) is reported once.
const (
	StreamJobs      = "CALLREC_JOBS"
	StreamResults   = "CALLREC_RESULTS"
	ConsumerWorkers = "workers"
	JobPrefix       = "callrec.job"
	ResultPrefix    = "callrec.result"
)

// Defaults of QueueOptions.
const (
	DefaultAckWait    = 30 * time.Second
	DefaultMaxDeliver = 3
	// resultsMaxAge is how long results are kept: a run reads its own
	// at once; an operator may look at them for a day.
	resultsMaxAge = 24 * time.Hour
)

// QueueOptions are the work queue's settings.
type QueueOptions struct {
	// AckWait is how long a worker may hold a job without a sign of life
	// before it goes to another (workers signal progress while they work
	// on a long job). 0 means DefaultAckWait.
	AckWait time.Duration
	// MaxDeliver is how many times a job is handed out before it is
	// reported as failing. 0 means DefaultMaxDeliver.
	MaxDeliver int
	Streams    StreamOptions
}

func (o QueueOptions) ackWait() time.Duration {
	if o.AckWait <= 0 {
		return DefaultAckWait
	}
	return o.AckWait
}

func (o QueueOptions) maxDeliver() int {
	if o.MaxDeliver <= 0 {
		return DefaultMaxDeliver
	}
	return o.MaxDeliver
}

// ensureStreams creates the jobs and results streams.
func ensureStreams(ctx context.Context, js jetstream.JetStream, so StreamOptions) error {
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: StreamJobs, Subjects: []string{JobPrefix + ".>"},
		Description: "callrec: fleet verify's jobs, one per call", Retention: jetstream.WorkQueuePolicy,
		Storage: so.storage(), Replicas: so.replicas(), Duplicates: time.Minute})
	if err != nil {
		return fmt.Errorf("fleet: stream %s: %w", StreamJobs, err)
	}
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: StreamResults, Subjects: []string{ResultPrefix + ".>"},
		Description: "callrec: fleet verify's results, one per call", Retention: jetstream.LimitsPolicy,
		Storage: so.storage(), Replicas: so.replicas(), MaxAge: resultsMaxAge, Duplicates: 10 * time.Minute})
	if err != nil {
		return fmt.Errorf("fleet: stream %s: %w", StreamResults, err)
	}
	return nil
}

// workersConfig is the consumer every worker pulls from.
func (o QueueOptions) workersConfig() jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{Durable: ConsumerWorkers, Description: "callrec: fleet verify workers",
		FilterSubject: JobPrefix + ".>", AckPolicy: jetstream.AckExplicitPolicy, AckWait: o.ackWait(),
		MaxDeliver: o.maxDeliver(), MaxAckPending: -1, DeliverPolicy: jetstream.DeliverAllPolicy}
}

// EnsureQueue creates the work queue (streams and consumer) or sets its
// settings to o: fleet verify does, before it enqueues.
func EnsureQueue(ctx context.Context, js jetstream.JetStream, o QueueOptions) (jetstream.Consumer, error) {
	if err := ensureStreams(ctx, js, o.Streams); err != nil {
		return nil, err
	}
	c, err := js.CreateOrUpdateConsumer(ctx, StreamJobs, o.workersConfig())
	if err != nil {
		return nil, fmt.Errorf("fleet: consumer %s: %w", ConsumerWorkers, err)
	}
	return c, nil
}

// workQueue returns the consumer workers pull from, creating the queue
// with o's settings only when there is none yet: a worker started before
// any run must not change a run's settings.
func workQueue(ctx context.Context, js jetstream.JetStream, o QueueOptions) (jetstream.Consumer, error) {
	c, err := js.Consumer(ctx, StreamJobs, ConsumerWorkers)
	if errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrConsumerNotFound) {
		if err := ensureStreams(ctx, js, o.Streams); err != nil {
			return nil, err
		}
		c, err = js.CreateConsumer(ctx, StreamJobs, o.workersConfig())
		if errors.Is(err, jetstream.ErrConsumerExists) {
			c, err = js.Consumer(ctx, StreamJobs, ConsumerWorkers)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("fleet: consumer %s: %w", ConsumerWorkers, err)
	}
	return c, nil
}

// Job is one call to verify, as a message of the jobs stream.
type Job struct {
	Run        string   `json:"run"`
	Call       string   `json:"call"`
	Recordings []string `json:"recordings"` // their ids, in start order
	Width      int      `json:"width"`      // of the text of a divergence
}

// Status is what verifying a call found.
type Status string

// Statuses of a Result.
const (
	StatusOK       Status = "ok"       // every recording replays exactly
	StatusDiverged Status = "diverged" // a step replays differently from its record
	StatusDamaged  Status = "damaged"  // a recording is not whole in the fleet, or does not read
	StatusFailed   Status = "failed"   // the job kept failing: no worker could finish it
)

// Result is one call's result, as a message of the results stream.
type Result struct {
	Run        string            `json:"run"`
	Call       string            `json:"call"`
	Status     Status            `json:"status"`
	Events     uint64            `json:"events"`
	Steps      uint64            `json:"steps"`
	Recordings []RecordingResult `json:"recordings"`
	Error      string            `json:"error,omitempty"` // failed: why
	Deliveries uint64            `json:"deliveries"`      // the delivery of the job that gave it
	Worker     string            `json:"worker,omitempty"`
}

func jobSubject(run string) string     { return JobPrefix + "." + run }
func resultSubject(run string) string  { return ResultPrefix + "." + run }
func resultID(run, call string) string { return run + ":" + call }
