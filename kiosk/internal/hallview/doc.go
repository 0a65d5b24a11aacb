// Package hallview is the hall display's model: what the big screen in the
// hall shows (the latest calls, newest first and highlighted for a few
// seconds, waiting counts per service, the hall's notices) kept up to date
// from the controller's event stream.
//
// The model is pure: Load puts a snapshot in, Apply folds one event in, View
// reads it at a given time. Syncer drives a model from a controller (any
// Client, in practice kiosk/internal/link's client): it loads a snapshot,
// follows the event stream from the snapshot's sequence and reloads the
// snapshot when the stream has a gap or an event the model cannot place.
package hallview
