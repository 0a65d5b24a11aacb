// Package idcardtest emulates a SAM ID card reader module on the master side
// of a pseudo-terminal (or any io.ReadWriter), speaking the same GA 467
// bytes as a real module, for tests, demos and drivers/cmd/devemu. It does
// not import testing.
//
// API (uniform with the other emulators):
//
//	p, _ := pty.Open()                            // internal/pty
//	em := idcardtest.NewEmulator(p.Master, &idcardtest.RealisticOpts)
//	go em.Run(ctx)                                // serves until ctx is done
//	em.PlaceCard(idcardtest.Sample(idcardtest.Elder, time.Now()))
//	em.RemoveCard()
//	em.SetFault(idcardtest.Fault{Kind: idcardtest.BadChecksum, Count: 1})
//	em.SetFault(idcardtest.Fault{})               // clear
//	em.Stats()                                    // bytes in/out, requests
//
// The driver opens p.SlavePath with serialport.New.
//
// Faults: Silent (no answer), Slow (Delay before answering), BadChecksum,
// Truncate (half a frame then silence), Hangup (half a frame, then
// Opts.OnHangup or closing the port; Run returns ErrHungUp and SetPort plus
// a new Run continue on a new pty), Garbage (junk and a false preamble
// before the answer), Split (1-7 byte pieces), Duplicate, ReadFails (SW3 41,
// card moved), AuthFails (SW3 32, fake card). Count limits a fault to the
// next Count answers.
//
// Module behaviour: find answers 9F only for a card placed and not yet read;
// after a read the card halts and find answers 80 while select still answers
// 90 until the card is removed (select then answers 81). Opts.Baud paces
// answers like a UART; Opts.ModuleBaud makes the module deaf at other
// speeds (read from the pty's termios) to exercise baud probing; the
// delays model the module's processing (RealisticOpts: read about 0.5 s).
//
// Sample cards (Sample, SampleCards; all people fictional, ages relative
// to the date given): Adult, Elder (72 today, for the 爱心通道 priority
// channel), Child (8), Expired, HongKong and Macao (residence permits),
// Foreign (permanent residence card), BadNumber (wrong check character).
// FakePhotoDecoder stands in for the licensed WLT photo decoder.
package idcardtest
