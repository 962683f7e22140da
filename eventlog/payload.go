package eventlog

import (
	"fmt"
	"time"

	"github.com/callrec/callrec/econn"
)

// The payload of each input and output: its fields in declaration order.
// Errors are stored by their stable name (econn.ErrorName) and come back
// through econn.ErrorFromName. A field added to an econn type needs a line
// here and a new FormatVersion; the round-trip test fills every field by
// reflection and fails until then.

func appendInput(b []byte, in Input) ([]byte, typeID, error) {
	switch v := in.(type) {
	case StepInput:
		return appendStepped(b, v.In)
	case RecvInput:
		return appendRecvInput(b, &v), idRecvInput, nil
	case NewConn:
		return appendNewConn(b, &v), idNewConn, nil
	}
	return b, 0, fmt.Errorf("eventlog: cannot encode input of type %T", in)
}

// appendStepped encodes an econn input. TestCodecCoversEveryKind checks
// that every kind econn lists has a case here.
func appendStepped(b []byte, in econn.Input) ([]byte, typeID, error) {
	switch v := in.(type) {
	case econn.Start:
		return putSDPProps(b, v.SDP, v.Props), idStart, nil
	case econn.Answer:
		return putSDPProps(b, v.SDP, v.Props), idAnswer, nil
	case econn.UpdateReq:
		return putSDPProps(b, v.SDP, v.Props), idUpdateReq, nil
	case econn.UpdateResp:
		return putSDPProps(b, v.SDP, v.Props), idUpdateResp, nil
	case econn.End:
		return b, idEnd, nil
	case econn.Close:
		return putUvarint(putString(b, econn.ErrorName(v.Reason)), uint64(v.MsgTime)), idClose, nil
	case econn.DataChanEstablished:
		return b, idDataChanEstablished, nil
	case econn.SetError:
		return putString(b, econn.ErrorName(v.Err)), idSetError, nil
	case econn.SendPropsync:
		return putMap(putBool(b, v.Resp), v.Props), idSendPropsync, nil
	case econn.SendAlert:
		return putString(putUvarint(b, uint64(v.Level)), v.Descr), idSendAlert, nil
	case econn.SendPing:
		return putBool(b, v.Resp), idSendPing, nil
	case econn.Recv:
		b = putString(putString(b, v.FromUser), v.FromClient)
		return appendMessage(b, v.Msg), idRecv, nil
	case econn.TimerFired:
		return putUvarint(b, v.Gen), idTimerFired, nil
	case econn.SendFailed:
		b = putBool(append(b, byte(v.Type)), v.Resp)
		return putString(b, econn.ErrorName(v.Err)), idSendFailed, nil
	}
	return b, 0, fmt.Errorf("eventlog: cannot encode input of type %T", in)
}

func appendOutput(b []byte, out econn.Output) ([]byte, typeID, error) {
	switch v := out.(type) {
	case econn.StateChanged:
		return append(b, byte(v.From), byte(v.To)), idStateChanged, nil
	case econn.Send:
		return append(appendMessage(b, v.Msg), byte(v.Via)), idSend, nil
	case econn.SetTimer:
		b = putVarint(append(b, byte(v.Action)), int64(v.After))
		return putUvarint(b, v.Gen), idSetTimer, nil
	case econn.CancelTimer:
		return putUvarint(b, v.Gen), idCancelTimer, nil
	case econn.Incoming:
		return appendIncoming(b, &v), idIncoming, nil
	case econn.Answered:
		return putSDPProps(putBool(b, v.Reset), v.SDP, v.Props), idAnswered, nil
	case econn.UpdateRequested:
		b = putString(putString(b, v.FromUser), v.FromClient)
		return putBool(putSDPProps(b, v.SDP, v.Props), v.ShouldReset), idUpdateRequested, nil
	case econn.UpdateAnswered:
		return putSDPProps(b, v.SDP, v.Props), idUpdateAnswered, nil
	case econn.AlertReceived:
		return putString(putUvarint(b, uint64(v.Level)), v.Descr), idAlertReceived, nil
	case econn.PingReceived:
		return putBool(b, v.Resp), idPingReceived, nil
	case econn.ConfPartReceived:
		return appendMessage(b, v.Msg), idConfPartReceived, nil
	case econn.Closed:
		return putUvarint(putString(b, econn.ErrorName(v.Reason)), uint64(v.MsgTime)), idClosed, nil
	case econn.Ignored:
		if !v.Reason.Valid() {
			return b, 0, fmt.Errorf("eventlog: cannot encode an Ignored with unknown reason %s", v.Reason)
		}
		return appendIgnored(b, &v), idIgnoredCode, nil
	}
	return b, 0, fmt.Errorf("eventlog: cannot encode output of type %T", out)
}

func putSDPProps(b []byte, sdp string, props econn.Props) []byte {
	return putMap(putString(b, sdp), props)
}

func (d *decoder) props(what string) econn.Props { return d.stringMap(what) }

func (d *decoder) err2(what string) error { return econn.ErrorFromName(d.string(what)) }

func decStart(d *decoder) econn.Input {
	return econn.Start{SDP: d.string("sdp"), Props: d.props("props")}
}

func decAnswer(d *decoder) econn.Input {
	return econn.Answer{SDP: d.string("sdp"), Props: d.props("props")}
}

func decUpdateReq(d *decoder) econn.Input {
	return econn.UpdateReq{SDP: d.string("sdp"), Props: d.props("props")}
}

func decUpdateResp(d *decoder) econn.Input {
	return econn.UpdateResp{SDP: d.string("sdp"), Props: d.props("props")}
}

func decClose(d *decoder) econn.Input {
	return econn.Close{Reason: d.err2("reason"), MsgTime: d.uint32("msg time")}
}

func decSetError(d *decoder) econn.Input { return econn.SetError{Err: d.err2("error")} }

func decSendPropsync(d *decoder) econn.Input {
	return econn.SendPropsync{Resp: d.bool("resp"), Props: d.props("props")}
}

func decSendAlert(d *decoder) econn.Input {
	return econn.SendAlert{Level: d.uint32("level"), Descr: d.string("descr")}
}

func decRecv(d *decoder) econn.Input {
	return econn.Recv{FromUser: d.string("from user"), FromClient: d.string("from client"),
		Msg: d.message()}
}

func decTimerFired(d *decoder) econn.Input { return econn.TimerFired{Gen: d.uvarint("gen")} }

func decSendFailed(d *decoder) econn.Input {
	return econn.SendFailed{Type: econn.MsgType(d.byte1("msg type")), Resp: d.bool("resp"),
		Err: d.err2("error")}
}

func appendRecvInput(b []byte, v *RecvInput) []byte {
	b = putString(putString(b, v.FromUser), v.FromClient)
	b = putBytes(append(b, byte(v.Via)), v.Data)
	b = putUvarint(putUvarint(b, uint64(v.CurrTime)), uint64(v.MsgTime))
	return putString(b, v.DecodeErr)
}

func decRecvInput(d *decoder) Input {
	return RecvInput{FromUser: d.string("from user"), FromClient: d.string("from client"),
		Via: econn.Transport(d.byte1("via")), Data: d.bytes("data"),
		CurrTime: d.uint32("curr time"), MsgTime: d.uint32("msg time"),
		DecodeErr: d.string("decode error")}
}

func appendNewConn(b []byte, v *NewConn) []byte {
	c := &v.Config
	b = putString(putString(putString(b, c.UserID), c.ClientID), c.SessID)
	b = putVarint(putVarint(b, int64(c.SetupTimeout)), int64(c.TermTimeout))
	return putString(putString(b, v.Remote.User), v.Remote.Client)
}

func decNewConn(d *decoder) Input {
	c := econn.Config{UserID: d.string("user"), ClientID: d.string("client"), SessID: d.string("sessid"),
		SetupTimeout: time.Duration(d.varint("setup timeout")), TermTimeout: time.Duration(d.varint("term timeout"))}
	return NewConn{Config: c, Remote: Endpoint{User: d.string("remote user"), Client: d.string("remote client")}}
}

func decStateChanged(d *decoder) econn.Output {
	return econn.StateChanged{From: econn.State(d.byte1("from")), To: econn.State(d.byte1("to"))}
}

func decSend(d *decoder) econn.Output {
	return econn.Send{Msg: d.message(), Via: econn.Transport(d.byte1("via"))}
}

func decSetTimer(d *decoder) econn.Output {
	return econn.SetTimer{Action: econn.TimerAction(d.byte1("action")),
		After: time.Duration(d.varint("after")), Gen: d.uvarint("gen")}
}

func decCancelTimer(d *decoder) econn.Output { return econn.CancelTimer{Gen: d.uvarint("gen")} }

func appendIncoming(b []byte, v *econn.Incoming) []byte {
	b = putString(putString(putUvarint(b, uint64(v.MsgTime)), v.FromUser), v.FromClient)
	b = putSDPProps(putUvarint(b, uint64(v.Age)), v.SDP, v.Props)
	return putBool(b, v.Reset)
}

func decIncoming(d *decoder) econn.Output {
	return econn.Incoming{MsgTime: d.uint32("msg time"), FromUser: d.string("from user"),
		FromClient: d.string("from client"), Age: d.uint32("age"), SDP: d.string("sdp"),
		Props: d.props("props"), Reset: d.bool("reset")}
}

func decAnswered(d *decoder) econn.Output {
	return econn.Answered{Reset: d.bool("reset"), SDP: d.string("sdp"), Props: d.props("props")}
}

func decUpdateRequested(d *decoder) econn.Output {
	return econn.UpdateRequested{FromUser: d.string("from user"), FromClient: d.string("from client"),
		SDP: d.string("sdp"), Props: d.props("props"), ShouldReset: d.bool("should reset")}
}

func decUpdateAnswered(d *decoder) econn.Output {
	return econn.UpdateAnswered{SDP: d.string("sdp"), Props: d.props("props")}
}

func decAlertReceived(d *decoder) econn.Output {
	return econn.AlertReceived{Level: d.uint32("level"), Descr: d.string("descr")}
}

func decPingReceived(d *decoder) econn.Output { return econn.PingReceived{Resp: d.bool("resp")} }

func decConfPartReceived(d *decoder) econn.Output { return econn.ConfPartReceived{Msg: d.message()} }

func decClosed(d *decoder) econn.Output {
	return econn.Closed{Reason: d.err2("reason"), MsgTime: d.uint32("msg time")}
}

// appendIgnored stores the reason code and its arguments (format 2).
func appendIgnored(b []byte, v *econn.Ignored) []byte {
	a := &v.Args
	b = append(b, byte(v.Type), byte(v.Reason), byte(a.State))
	b = putBool(b, a.Resp)
	b = putUvarint(putUvarint(b, a.Gen), a.ArmedGen)
	for _, s := range [...]string{a.Err, a.User, a.Client, a.Sess, a.RemoteUser,
		a.RemoteClient, a.RemoteSess, a.LocalUser, a.LocalClient, a.Text} {
		b = putString(b, s)
	}
	return b
}

func decIgnoredCode(d *decoder) econn.Output {
	o := econn.Ignored{Type: econn.MsgType(d.byte1("msg type")), Reason: econn.IgnoreReason(d.byte1("reason"))}
	a := &o.Args
	a.State = econn.State(d.byte1("state"))
	a.Resp = d.bool("resp")
	a.Gen, a.ArmedGen = d.uvarint("gen"), d.uvarint("armed gen")
	for _, p := range [...]*string{&a.Err, &a.User, &a.Client, &a.Sess, &a.RemoteUser,
		&a.RemoteClient, &a.RemoteSess, &a.LocalUser, &a.LocalClient, &a.Text} {
		*p = d.string("ignore argument")
	}
	if d.err == nil && !o.Reason.Valid() {
		d.fail("unknown ignore reason %d", o.Reason)
	}
	return o
}

// decIgnoredV1 reads an Ignored of format 1, which stored the sentence:
// the sentence is parsed back into its reason and arguments (v1.go).
func decIgnoredV1(d *decoder) econn.Output {
	t := econn.MsgType(d.byte1("msg type"))
	return parseIgnoredV1(t, d.string("reason"))
}

// Message flags: the booleans of econn.Message in one varint.
const (
	flagResp = 1 << iota
	flagTransient
	flagUpdate
	flagSelectiveAudio
	flagSelectiveVideo
	flagShouldStart
	flagsAll = 1<<iota - 1
)

func messageFlags(m *econn.Message) uint64 {
	var f uint64
	for _, fl := range [...]struct {
		bit uint64
		set bool
	}{{flagResp, m.Resp}, {flagTransient, m.Transient}, {flagUpdate, m.Update},
		{flagSelectiveAudio, m.SelectiveAudio}, {flagSelectiveVideo, m.SelectiveVideo},
		{flagShouldStart, m.ShouldStart}} {
		if fl.set {
			f |= fl.bit
		}
	}
	return f
}

// appendMessage writes every field of a message (nil: one zero byte).
func appendMessage(b []byte, m *econn.Message) []byte {
	if m == nil {
		return append(b, 0)
	}
	b = append(b, 1, byte(m.Type))
	b = putUvarint(b, messageFlags(m))
	for _, s := range [...]string{m.SessID, m.SrcUser, m.SrcClient, m.DestUser, m.DestClient} {
		b = putString(b, s)
	}
	b = putUvarint(putUvarint(b, uint64(m.Time)), uint64(m.Age))
	b = putString(putSDPProps(b, m.SDP, m.Props), m.URL)
	b = putString(putUvarint(b, uint64(m.Level)), m.Descr)
	b = putBytes(putString(b, m.SFTURL), m.Secret)
	b = putUvarint(putUvarint(b, m.Timestamp), uint64(m.Seqno))
	b = appendICEServers(b, m.ICEServers)
	b = putString(putString(b, m.Tool), m.ToolVer)
	b = putVarint(putVarint(b, int64(m.Status)), int64(m.VStreams))
	b = putBytes(b, m.Entropy)
	b = appendParticipants(b, m.Participants)
	b = appendKeys(b, m.Keys)
	return putString(b, m.Username)
}

func (d *decoder) message() *econn.Message {
	switch d.byte1("message") {
	case 0:
		return nil
	case 1:
	default:
		d.fail("message: bad presence byte")
		return nil
	}
	m := &econn.Message{Type: econn.MsgType(d.byte1("msg type"))}
	f := d.uvarint("msg flags")
	if f&^flagsAll != 0 {
		d.fail("message: unknown flags %#x", f)
	}
	m.Resp, m.Transient, m.Update = f&flagResp != 0, f&flagTransient != 0, f&flagUpdate != 0
	m.SelectiveAudio, m.SelectiveVideo = f&flagSelectiveAudio != 0, f&flagSelectiveVideo != 0
	m.ShouldStart = f&flagShouldStart != 0
	m.SessID, m.SrcUser, m.SrcClient = d.string("sessid"), d.string("src user"), d.string("src client")
	m.DestUser, m.DestClient = d.string("dest user"), d.string("dest client")
	m.Time, m.Age = d.uint32("time"), d.uint32("age")
	m.SDP, m.Props, m.URL = d.string("sdp"), d.props("props"), d.string("url")
	m.Level, m.Descr = d.uint32("level"), d.string("descr")
	m.SFTURL, m.Secret = d.string("sft url"), d.bytes("secret")
	m.Timestamp, m.Seqno = d.uvarint("timestamp"), d.uint32("seqno")
	m.ICEServers = d.iceServers()
	m.Tool, m.ToolVer = d.string("tool"), d.string("tool version")
	m.Status, m.VStreams = d.int("status"), d.int("vstreams")
	m.Entropy = d.bytes("entropy")
	m.Participants = d.participants()
	m.Keys = d.keys()
	m.Username = d.string("username")
	return m
}

func appendICEServers(b []byte, ss []econn.ICEServer) []byte {
	b = putCount(b, len(ss), ss == nil)
	for i := range ss {
		b = putStrings(b, ss[i].URLs)
		b = putString(putString(b, ss[i].Username), ss[i].Credential)
	}
	return b
}

func (d *decoder) iceServers() []econn.ICEServer {
	n, isNil := d.count("ice servers", 3)
	if isNil {
		return nil
	}
	ss := make([]econn.ICEServer, n)
	for i := range ss {
		ss[i] = econn.ICEServer{URLs: d.strings("ice urls"), Username: d.string("ice username"),
			Credential: d.string("ice credential")}
	}
	return ss
}

func appendParticipants(b []byte, ps []econn.ConfParticipant) []byte {
	b = putCount(b, len(ps), ps == nil)
	for i := range ps {
		p := &ps[i]
		b = putBool(putString(putString(b, p.UserID), p.ClientID), p.Authorized)
		b = putUvarint(putUvarint(b, uint64(p.SSRCAudio)), uint64(p.SSRCVideo))
	}
	return b
}

func (d *decoder) participants() []econn.ConfParticipant {
	n, isNil := d.count("participants", 5)
	if isNil {
		return nil
	}
	ps := make([]econn.ConfParticipant, n)
	for i := range ps {
		ps[i] = econn.ConfParticipant{UserID: d.string("participant user"),
			ClientID: d.string("participant client"), Authorized: d.bool("authorized"),
			SSRCAudio: d.uint32("ssrc audio"), SSRCVideo: d.uint32("ssrc video")}
	}
	return ps
}

func appendKeys(b []byte, ks []econn.ConfKey) []byte {
	b = putCount(b, len(ks), ks == nil)
	for i := range ks {
		b = putBytes(putVarint(b, int64(ks[i].Idx)), ks[i].Data)
	}
	return b
}

func (d *decoder) keys() []econn.ConfKey {
	n, isNil := d.count("keys", 2)
	if isNil {
		return nil
	}
	ks := make([]econn.ConfKey, n)
	for i := range ks {
		ks[i] = econn.ConfKey{Idx: d.int("key idx"), Data: d.bytes("key data")}
	}
	return ks
}
