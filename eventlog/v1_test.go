package eventlog

import (
	"testing"

	"github.com/callrec/callrec/econn"
)

// Format 1 sentences, as format 1 wrote them, read back into codes.
func TestParseIgnoredV1(t *testing.T) {
	type args = econn.IgnoreArgs
	for _, c := range []struct {
		typ      econn.MsgType
		sentence string
		reason   econn.IgnoreReason
		args     args
	}{
		{0, "End in state Terminating: already terminating", econn.IgnoreEndTerminating, args{}},
		{0, "data channel established in state Idle, not Answered", econn.IgnoreDataChanState, args{State: econn.StateIdle}},
		{0, "timer #3 fired but no timer is armed", econn.IgnoreTimerNotArmed, args{Gen: 3}},
		{0, "timer #3 fired but #4 is the armed one", econn.IgnoreTimerStale, args{Gen: 3, ArmedGen: 4}},
		{econn.MsgPing, "send of PING response failed (io): no effect", econn.IgnoreSendFailedNoEffect, args{Resp: true, Err: "io"}},
		{econn.MsgPing, "send of PING request failed (error:broken pipe (os)): no effect", econn.IgnoreSendFailedNoEffect, args{Err: "error:broken pipe (os)"}},
		{0, "received no message", econn.IgnoreNoMessage, args{}},
		{econn.MsgReject, "REJECT accepted: it has no effect on a connection", econn.IgnoreNoEffect, args{}},
		{econn.MsgGroupStart, "GROUPSTART is not handled by a connection", econn.IgnoreNotHandled, args{}},
		{econn.MsgSetup, "SETUP from user C, remote user is B", econn.IgnoreWrongUser, args{User: "C", RemoteUser: "B"}},
		{econn.MsgCancel, "CANCEL from client 666, remote client is 1", econn.IgnoreWrongClient, args{Client: "666", RemoteClient: "1"}},
		{econn.MsgCancel, "CANCEL from client 2, no remote client yet", econn.IgnoreNoRemoteClient, args{Client: "2"}},
		{econn.MsgHangup, `HANGUP for session "s, x", no remote session yet`, econn.IgnoreNoRemoteSession, args{Sess: "s, x"}},
		{econn.MsgUpdate, `UPDATE for session "a\"b", remote session is "c"`, econn.IgnoreWrongSession, args{Sess: `a"b`, RemoteSess: "c"}},
		{econn.MsgSetup, "SETUP request in state Answered", econn.IgnoreInState, args{State: econn.StateAnswered}},
		{econn.MsgSetup, "SETUP response in state Idle", econn.IgnoreInState, args{Resp: true, State: econn.StateIdle}},
		{econn.MsgHangup, "HANGUP response in state HangupSent", econn.IgnoreInState, args{Resp: true, State: econn.StateHangupSent}},
		{econn.MsgCancel, "CANCEL in state Idle", econn.IgnoreCancelInState, args{State: econn.StateIdle}},
		{econn.MsgSetup, "SETUP glare: B/1 wins over A/1, dropping the remote offer", econn.IgnoreSetupGlareWon,
			args{LocalUser: "B", LocalClient: "1", User: "A", Client: "1"}},
		{econn.MsgUpdate, "UPDATE glare: B/1 wins over A/1, dropping the remote update", econn.IgnoreUpdateGlareWon,
			args{LocalUser: "B", LocalClient: "1", User: "A", Client: "1"}},
		// A value may hold a newline: a joined error, an id from the wire.
		{econn.MsgPing, "send of PING request failed (error:write: broken pipe\nclose: EOF): no effect", econn.IgnoreSendFailedNoEffect,
			args{Err: "error:write: broken pipe\nclose: EOF"}},
		{econn.MsgCancel, "CANCEL from client x\ny, remote client is 1", econn.IgnoreWrongClient, args{Client: "x\ny", RemoteClient: "1"}},
		// Not a format-1 sentence: kept as text.
		{econn.MsgSetup, "something else", econn.IgnoreUnknown, args{Text: "something else"}},
		// The type in the sentence must be the recorded type.
		{econn.MsgCancel, "SETUP in state Idle", econn.IgnoreUnknown, args{Text: "SETUP in state Idle"}},
		{econn.MsgCancel, "CANCEL in state Nowhere", econn.IgnoreUnknown, args{Text: "CANCEL in state Nowhere"}},
	} {
		want := econn.Ignored{Type: c.typ, Reason: c.reason, Args: c.args}
		if got := parseIgnoredV1(c.typ, c.sentence); got != want {
			t.Errorf("%q:\n got %+v\nwant %+v", c.sentence, got, want)
		}
	}
}

// Every reason of format 1 has its frozen sentence.
func TestV1WordingCoversFormat1Reasons(t *testing.T) {
	seen := map[econn.IgnoreReason]bool{}
	for _, w := range v1Wording {
		seen[w.reason] = true
	}
	for _, r := range econn.IgnoreReasons() {
		if r == econn.IgnoreUnknown || r > econn.IgnoreUpdateGlareWon { // the last reason of format 1
			continue
		}
		if !seen[r] {
			t.Errorf("reason %s has no format-1 sentence", r)
		}
	}
}
