// Package voice speaks the hall's calls: the announcement text read the way
// Chinese halls read it ("请A023号到3号窗口办理" spoken as "请 A 零二三 号 到
// 三 号窗口办理": letters as letters, ticket digits one by one, the window
// number as a number), a queue that never lets two announcements overlap,
// speaks a burst one after another, repeats a recall and drops what waited
// too long, speech synthesis through espeak-ng (Mandarin voice "cmn") or
// pre-recorded clips joined in Go, and playback through ALSA's aplay or
// into WAV files (tests and the demo).
package voice
