// Package camera captures still document images from a UVC document
// camera (高拍仪) through V4L2, using the pure-Go github.com/blackjack/webcam.
//
// Capture starts streaming, throws away the first frames while automatic
// exposure and white balance settle, keeps one MJPEG frame and stops.
// Many cameras send MJPEG frames without Huffman tables (the format lets
// them rely on the JPEG standard's default tables); Go's image/jpeg then
// fails with "uninitialized Huffman table". SpliceHuffman inserts the
// ITU-T T.81 Annex K tables before the scan so every frame decodes.
//
// Camera is the interface the kiosk uses; package cameratest has a fake
// that returns fixture images, for tests and demos without a camera.
package camera
