// Package escpostest emulates an ESC/POS receipt printer on the master side
// of a pseudo-terminal (or any io.ReadWriter), for tests, demos and
// drivers/cmd/devemu. It does not import testing.
//
// API (uniform with the other emulators):
//
//	p, _ := pty.Open()                       // internal/pty
//	em := escpostest.NewEmulator(p.Master, nil)
//	go em.Run(ctx)                           // serves until ctx is done
//	em.SetPaper(escpostest.PaperOut)         // PaperOK, PaperNearEnd, PaperOut
//	em.PaperOutAfter(3)                      // roll ends 3 lines into the next job
//	em.SetCoverOpen(true); em.SetOffline(true); em.SetCutterError(true)
//	em.SetFault(escpostest.Fault{Kind: escpostest.Silent})  // Slow, Hangup
//	em.Tickets()                             // decoded text of each cut ticket
//	em.Decoded(); em.Output(); em.WaitCuts(ctx, n); em.Lost()
//
// The driver opens p.SlavePath with serialport.New. The emulator answers
// DLE EOT 1..4 from its state, sends automatic status back groups when the
// host enabled them (GS a n) and whenever its state changes, clears a
// cutter error on DLE ENQ, and drops print data while it cannot print
// (counted by Lost), as a real printer's buffer would overflow into
// nothing. Opts.Baud consumes data at a UART's pace (a slow printer);
// Silent never answers status requests (switched off); Slow answers after
// a delay; Hangup closes the port (Run returns ErrHungUp; SetPort and a new
// Run continue on a new pty).
package escpostest
