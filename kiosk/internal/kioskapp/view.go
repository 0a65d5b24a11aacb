package kioskapp

import (
	"bytes"
	"image"
	"image/jpeg"
	"strconv"
	"sync"
	"time"

	"rsc.io/qr"

	"hallq/kiosk/internal/flow"
	kioskui "hallq/ui/kiosk"
)

// t converts the flow's bilingual text to the UI's.
func t(x flow.Text) kioskui.T { return kioskui.T{Zh: x.ZH, En: x.EN} }

// viewer turns flow states into UI views. It keeps the decoded camera
// image and the booking QR between frames so unchanged images keep their
// pointer (the UI repaints an image only when the pointer changes).
type viewer struct {
	// saved: the citizen kept the page under review and now chooses
	// between another page and finishing. The flow has one review step
	// (keep and go on, or finish); the UI asks in two, so the second
	// question lives here until the flow leaves the review screen.
	mu    sync.Mutex
	saved bool

	frame    []byte
	frameImg image.Image
	qrURL    string
	qrImg    image.Image
}

// View maps the journey's state onto the UI's view model.
func (vw *viewer) View(s flow.State, now time.Time) kioskui.View {
	v := kioskui.View{Hall: t(s.Hall), LargeText: s.LargeText, Clock: now.Format("15:04"),
		HideStartOver: !s.CanStartOver}
	masked := ""
	if s.Person != nil {
		masked = s.Person.MaskedName
	}
	switch s.Screen {
	case flow.ScreenAttract:
		v.Screen = kioskui.ScreenAttract
		v.Attract = kioskui.AttractView{IssuePaused: s.Banner.ZH != "", PausedReason: t(s.Banner), Capture: s.CanDocuments}
	case flow.ScreenClosed:
		v.Screen = kioskui.ScreenAfterHours
		v.AfterHours = kioskui.AfterHoursView{Message: t(s.Message), BookingHint: t(s.BookingText), Capture: s.CanDocuments}
		if s.IssueFrom != "" {
			v.AfterHours.Hours = []kioskui.T{{Zh: "取号时间 " + s.IssueFrom + "-" + s.IssueUntil, En: "Tickets " + s.IssueFrom + "-" + s.IssueUntil}}
		}
		if !s.OpensAt.IsZero() {
			v.AfterHours.ResumesAt = s.OpensAt.Format("01-02 15:04")
		}
		v.AfterHours.BookingQR = vw.qr(s.BookingURL)
	case flow.ScreenIdentify, flow.ScreenReading:
		v.Screen = kioskui.ScreenIdentify
		v.Identify = kioskui.IdentifyView{Reading: s.Screen == flow.ScreenReading, Problem: t(s.Notice), NoIDAllowed: s.CanNoIDCard}
	case flow.ScreenCheckingIn, flow.ScreenIssuing, flow.ScreenPrinting, flow.ScreenUploading:
		v.Screen = kioskui.ScreenPrinting
		switch s.Screen {
		case flow.ScreenCheckingIn:
			v.Printing.Message = kioskui.T{Zh: "正在查询预约，请稍候", En: "Checking your appointment"}
		case flow.ScreenIssuing:
			v.Printing.Message = kioskui.T{Zh: "正在取号，请稍候", En: "Getting your ticket"}
		case flow.ScreenUploading:
			v.Printing.Message = kioskui.T{Zh: "正在上传材料，请稍候", En: "Uploading your pages"}
		}
	case flow.ScreenAppointment:
		v.Screen = kioskui.ScreenCheckIn
		v.CheckIn = kioskui.CheckInView{Result: kioskui.Lapsed, OfferTicket: true}
		if !s.ComeBackAt.IsZero() {
			v.CheckIn.Result = kioskui.TooEarly
			v.CheckIn.ComeBackAt = s.ComeBackAt.Format("15:04")
			v.CheckIn.OfferTicket = false
		}
	case flow.ScreenGroups, flow.ScreenServices:
		v.Screen = kioskui.ScreenMenu
		v.Menu = kioskui.MenuView{Title: t(s.GroupTitle), Greeting: masked, CanGoBack: s.CanBack && s.Screen == flow.ScreenServices}
		if v.Menu.Title.Zh == "" {
			v.Menu.Title = kioskui.T{Zh: "请选择业务", En: "Choose a service"}
		}
		items, group := s.Services, false
		if s.Screen == flow.ScreenGroups {
			items, group = s.Groups, true
		}
		for _, it := range items {
			w := -1
			if it.WaitingKnown {
				w = it.Waiting
			}
			v.Menu.Items = append(v.Menu.Items, kioskui.MenuItem{ID: it.ID, Name: t(it.Name), Waiting: w,
				Disabled: !it.Enabled, Reason: t(it.Reason), Group: group})
		}
	case flow.ScreenChannel:
		v.Screen = kioskui.ScreenChannel
		v.Channel = kioskui.ChannelView{Note: t(s.Notice), CanGoBack: s.CanBack}
		if s.Service != nil {
			v.Channel.Service = t(s.Service.Name)
		}
		for i, o := range s.Channels {
			v.Channel.Options = append(v.Channel.Options, kioskui.ChannelOption{ID: strconv.Itoa(i), Name: t(o.Name),
				Detail: t(o.Note), Enabled: o.Enabled, Reason: t(o.Reason), Suggested: o.Recommended, Unverified: o.Unverified})
		}
	case flow.ScreenConfirm:
		v.Screen = kioskui.ScreenConfirm
		v.Confirm = kioskui.ConfirmView{Name: masked, WaitingAhead: -1}
		if s.Service != nil {
			v.Confirm.Service = t(s.Service.Name)
			if s.Service.WaitingKnown {
				v.Confirm.WaitingAhead = s.Service.Waiting
			}
		}
		if s.Channel != nil {
			v.Confirm.Channel = t(s.Channel.Name)
		}
	case flow.ScreenDone:
		v.Screen = kioskui.ScreenDone
		if tk := s.Ticket; tk != nil {
			v.Done = kioskui.DoneView{Number: tk.Number, Service: t(tk.Service), Channel: t(tk.ChannelName), WaitingAhead: -1}
			if tk.WaitingKnown {
				v.Done.WaitingAhead = tk.WaitingAhead
				v.Done.EstimatedWait = time.Duration(tk.EstimatedMin) * time.Minute
			} else {
				v.Done.Hint = kioskui.T{Zh: "请取走凭条，留意叫号屏幕", En: "Take your ticket and watch the display"}
			}
		}
	case flow.ScreenPrintProblem, flow.ScreenMessage:
		v.Screen = kioskui.ScreenError
		v.Error = kioskui.ErrorView{Title: t(s.Message), Retry: s.Screen == flow.ScreenMessage}
		if s.Ticket != nil {
			v.Error.Detail = kioskui.T{Zh: "您的号码：" + s.Ticket.Number + "，请到咨询台", En: "Your number: " + s.Ticket.Number + ". Please go to the help desk."}
		}
	case flow.ScreenMaterial:
		v.Screen = kioskui.ScreenCapture
		v.Capture = kioskui.CaptureView{Stage: kioskui.CaptureChooseType, Pages: s.Pages, Problem: t(s.Notice)}
		for _, m := range s.Materials {
			v.Capture.Types = append(v.Capture.Types, kioskui.MenuItem{ID: m.ID, Name: t(m.Name), Waiting: -1, Disabled: !m.Enabled, Reason: t(m.Reason)})
		}
	case flow.ScreenPreview, flow.ScreenReview, flow.ScreenUploaded:
		v.Screen = kioskui.ScreenCapture
		v.Capture = kioskui.CaptureView{Stage: kioskui.CapturePreview, Pages: s.Pages, Problem: t(s.Notice)}
		if s.Material != nil {
			v.Capture.Type = t(s.Material.Name)
		}
		vw.mu.Lock()
		saved := vw.saved && s.Screen == flow.ScreenReview
		vw.saved = saved
		vw.mu.Unlock()
		switch {
		case s.Screen == flow.ScreenPreview:
			v.Capture.Image = vw.decode(s.Preview)
		case saved:
			v.Capture.Stage = kioskui.CaptureSaved
			v.Capture.Pages = s.Pages + 1
		case s.Screen == flow.ScreenReview:
			v.Capture.Stage = kioskui.CaptureReview
			v.Capture.Image = vw.decode(s.Review)
		default:
			v.Capture.Stage = kioskui.CaptureSaved
		}
	case flow.ScreenPIN:
		v.Screen = kioskui.ScreenPIN
		v.PIN = kioskui.PINView{Entered: s.PINLength, Problem: t(s.Notice)}
	case flow.ScreenTechnician:
		v.Screen = kioskui.ScreenService
		if tv := s.Tech; tv != nil {
			v.Service = kioskui.ServiceView{Version: tv.Version, Online: tv.Online, Pending: tv.Pending, Result: t(tv.Result),
				Status: []kioskui.StatusLine{
					{Name: kioskui.T{Zh: "打印机", En: "Printer"}, OK: tv.Printer == flow.PrinterOK},
					{Name: kioskui.T{Zh: "读卡器", En: "Card reader"}, OK: tv.ReaderOnline},
					{Name: kioskui.T{Zh: "高拍仪", En: "Camera"}, OK: true, Detail: tv.Camera.ZH},
					{Name: kioskui.T{Zh: "网络", En: "Controller"}, OK: tv.Online},
				}}
		}
	default:
		v.Screen = kioskui.ScreenAttract
	}
	return v
}

// decode returns the camera frame as an image, reusing the last decode for
// the same bytes; a broken frame shows nothing (the flow reports it).
func (vw *viewer) decode(b []byte) image.Image {
	if len(b) == 0 {
		return nil
	}
	if bytes.Equal(b, vw.frame) {
		return vw.frameImg
	}
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	vw.frame, vw.frameImg = append(vw.frame[:0], b...), img
	return img
}

func (vw *viewer) qr(url string) image.Image {
	if url == "" {
		return nil
	}
	if url == vw.qrURL {
		return vw.qrImg
	}
	c, err := qr.Encode(url, qr.M)
	if err != nil {
		return nil
	}
	vw.qrURL, vw.qrImg = url, c.Image()
	return vw.qrImg
}

// event maps a tap on the UI to the journey's event; cur is the view the
// tap was made on (a menu item may be a group or a service).
func event(a kioskui.Action, cur kioskui.View) flow.Event {
	switch a := a.(type) {
	case kioskui.Start:
		return flow.Start{}
	case kioskui.StartOver, kioskui.ExitService:
		return flow.StartOver{}
	case kioskui.ToggleLargeText:
		return flow.ToggleLargeText{}
	case kioskui.NoIDCard:
		return flow.NoIDCard{}
	case kioskui.ChooseService:
		for _, it := range cur.Menu.Items {
			if it.ID == a.ID && it.Group {
				return flow.ChooseGroup{ID: a.ID}
			}
		}
		return flow.ChooseService{ID: a.ID}
	case kioskui.ChooseChannel:
		i, err := strconv.Atoi(a.ID)
		if err != nil {
			return nil
		}
		return flow.ChooseChannel{Index: i}
	case kioskui.Confirm:
		return flow.Confirm{}
	case kioskui.Back:
		return flow.Back{}
	case kioskui.Retry:
		return flow.Acknowledge{}
	case kioskui.TakeNormalTicket:
		return flow.TakeNormal{}
	case kioskui.StartCapture:
		return flow.StartDocuments{}
	case kioskui.ChooseDocType:
		return flow.ChooseMaterial{ID: a.ID}
	case kioskui.Capture:
		return flow.Capture{}
	case kioskui.Retake:
		return flow.Retake{}
	case kioskui.AddPage:
		return flow.KeepPage{}
	case kioskui.FinishCapture:
		return flow.FinishDocuments{}
	case kioskui.ServiceEntry:
		return flow.OpenTechnician{}
	case kioskui.PINDigit:
		if a.Digit < '0' || a.Digit > '9' {
			return nil
		}
		return flow.PINDigit{Digit: int(a.Digit - '0')}
	case kioskui.PINDelete:
		return flow.PINDelete{}
	case kioskui.PINEnter:
		return flow.PINSubmit{}
	case kioskui.TestPrint:
		return flow.TechTestPrint{}
	case kioskui.CardReadTest:
		return flow.TechCardTest{}
	}
	return nil
}
