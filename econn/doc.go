/*
Package econn is the Calling 3.0 ECONN signalling state machine and its JSON
wire codec. A Conn is one signalling connection between the local client and
one remote client; it is a pure function of its inputs: it never reads a
clock, draws randomness, starts a goroutine or touches I/O, so a recorded
sequence of inputs replays to the same states and outputs, step by step.
The behaviour is that of the reference implementation, described in
docs/protocol.md (with the deliberate differences in its "Conformance
notes").

# Usage

Create a Conn with New. Its Config carries everything the reference would
draw from its environment: the local user and client id, the local session
id and the timeouts. New returns the outputs of creation: the setup timer,
already armed.

	c, outs, err := econn.New(econn.Config{UserID: "A", ClientID: "1", SessID: "x7k2q"})

From then on, feed every input to Step, from one goroutine:

  - local commands: Start, Answer, UpdateReq, UpdateResp, End, Close,
    SetError, SendPropsync, SendAlert, SendPing;
  - DataChanEstablished when the data channel of the call opens;
  - received messages: decode the bytes with Decode(data, now, msgTime) and
    wrap the message in Recv with the sender's ids (for a backend message
    the ids the backend stamped on it, for a data-channel message the
    remote ids of the Conn whose channel carried it);
  - TimerFired{Gen} when the timer armed by SetTimer{Gen} expires;
  - SendFailed when the transport could not send a Send output.

Step returns the outputs, in the order they happened, and an error only for
a refused local command (wrapping ErrProto or ErrInvalid); a refused command
changes nothing and returns no outputs.

# What the caller must do with the outputs

 1. Send{Msg, Via}: encode Msg (Msg.Encode) and send it on the transport Via
    names: TransportBackend, the server relay, or TransportDirect, the data
    channel. If sending fails, feed SendFailed{Msg.Type, Msg.Resp, err}
    right away, before any other input: the reference sends synchronously
    and reacts to the failure at once (a failed SETUP or UPDATE ends the
    call; a failed HANGUP closes it after 1 ms).
 2. SetTimer{Action, After, Gen}: arm the Conn's one timer, replacing any
    earlier one; when it expires, feed TimerFired{Gen}. CancelTimer{Gen}:
    disarm it. A TimerFired of any other generation is ignored, so a timer
    that fires while its cancellation is on the way does no harm.
 3. Incoming, Answered, UpdateRequested, UpdateAnswered, AlertReceived,
    PingReceived, ConfPartReceived: tell the application (ring; apply the
    remote SDP; when Answered has Reset, answer the remote offer with
    Answer). Closed: the call is over, with Reason (nil: a normal close);
    it comes at most once per Conn.
 4. StateChanged and Ignored: log them. Ignored says why a received
    message, a timer, a send failure or an End was dropped, as a stable
    code (IgnoreReason) with the facts it names (IgnoreArgs); Sentence
    words it ("CANCEL from client 666, remote client is 1"). Logs keep the
    code, never the words, so rewording changes no recorded call.
 5. Carry out or copy the outputs before the next Step: the returned slice
    is reused by it.

The layer above a Conn (package ecall) keeps one Conn per remote client,
creates one when a SETUP request arrives from an unknown client, handles
PROPSYNC itself and closes a ringing Conn with ErrCanceled when another
device of the same user answered; see "The layer above ECONN" in
docs/protocol.md.

# The vocabulary

The inputs and the outputs are closed sets: Input and Output are sealed,
and InputKinds and OutputKinds list every kind. Each kind carries what
every reader of a log needs, so nothing outside this package switches over
all kinds: Describe (one sentence, as raft's DescribeMessage), Equal
(meaning, not representation: errors by stable name, nil props equal to
empty ones, Ignored by code and arguments) and Redact (every field that
can name a person or carry a secret goes through a Redactor; InputData and
OutputData collect them). A kind added without these does not compile, and
the package's tests check that they cover every field.

# Errors

Close reasons, send failures and sticky errors are compared and logged by
their stable names (ErrorName, ErrorFromName), so that a call read back from
a log compares equal to the recorded one.

# Dependencies

Besides the standard library and its JSON library, econn imports one
package of this module: internal/binenc, itself standard library only,
which reads and writes the bounded binary fields of a Conn's state
(AppendState, RestoreConn); the call snapshot format shares it.
*/
package econn
