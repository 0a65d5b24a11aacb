package kioskui

import (
	"image"
	"image/color"
	"time"
)

type namedView struct {
	name string
	v    View
}

var hall = T{"市民服务中心", "Citizen Service Centre"}

func qrLike(n int) image.Image {
	img := image.NewGray(image.Rect(0, 0, n, n))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if (x*7+y*13)%5 < 2 || x < 7 && y < 7 {
				img.SetGray(x, y, color.Gray{})
			} else {
				img.SetGray(x, y, color.Gray{Y: 255})
			}
		}
	}
	return img
}

var sampleQR = qrLike(29)

func menuItems() []MenuItem {
	return []MenuItem{
		{ID: "hukou", Name: T{"户籍办理", "Household registration"}, Waiting: 5},
		{ID: "social", Name: T{"社保医保", "Social insurance"}, Waiting: 12},
		{ID: "tax", Name: T{"税务", "Tax"}, Waiting: 0},
		{ID: "biz", Name: T{"企业开办", "Business start-up"}, Group: true, Waiting: -1},
		{ID: "car", Name: T{"车驾管", "Vehicles and licences"}, Disabled: true, Reason: T{"暂停取号", "Paused"}},
		{ID: "house", Name: T{"不动产登记", "Real estate"}, Disabled: true, Reason: T{"今日号已取完", "No tickets left today"}},
	}
}

func sampleViews() []namedView {
	base := View{Hall: hall, Clock: "10:24"}
	with := func(name string, f func(v *View)) namedView {
		v := base
		f(&v)
		return namedView{name, v}
	}
	return []namedView{
		with("attract", func(v *View) {
			v.Screen = ScreenAttract
			v.Attract = AttractView{Notices: []T{{"午间不休息", "Open over lunch"}}, Capture: true}
		}),
		with("identify", func(v *View) {
			v.Screen = ScreenIdentify
			v.Identify = IdentifyView{NoIDAllowed: true, Problem: T{"请重新放置身份证", "Please place the card again"}}
		}),
		with("menu", func(v *View) {
			v.Screen = ScreenMenu
			v.Menu = MenuView{Greeting: "张*三", Items: menuItems()}
		}),
		with("channel", func(v *View) {
			v.Screen = ScreenChannel
			v.Channel = ChannelView{Service: T{"社保医保", "Social insurance"}, CanGoBack: true, Options: []ChannelOption{
				{ID: ChannelNormal, Name: T{"普通", "Normal"}, Enabled: true},
				{ID: ChannelLove, Name: T{"爱心通道", "Priority (elderly)"}, Enabled: true, Suggested: true},
				{ID: "veteran", Name: T{"军人优先", "Service members"}, Enabled: true, Unverified: true},
				{ID: ChannelGreen, Name: T{"绿色通道", "Green channel"}, Reason: T{"需工作人员授权或预约", "Staff or appointment only"}},
			}}
		}),
		with("confirm", func(v *View) {
			v.Screen = ScreenConfirm
			v.Confirm = ConfirmView{Service: T{"社保医保", "Social insurance"}, Channel: T{"爱心通道", "Priority"}, Name: "张*三",
				WaitingAhead: 3, EstimatedWait: 12 * time.Minute}
		}),
		with("done", func(v *View) {
			v.Screen = ScreenDone
			v.Done = DoneView{Number: "A012", Service: T{"社保医保", "Social insurance"}, WaitingAhead: 3,
				EstimatedWait: 12 * time.Minute, QR: sampleQR}
		}),
		with("error", func(v *View) {
			v.Screen = ScreenError
			v.Error = ErrorView{Title: T{"打印机缺纸", "The printer is out of paper"}, Detail: T{"请到咨询台取号", "Please go to the information desk"},
				Code: "printer_paper_end", Retry: true}
		}),
		with("checkin-lapsed", func(v *View) {
			v.Screen = ScreenCheckIn
			v.CheckIn = CheckInView{Result: Lapsed, Service: T{"税务", "Tax"}, Slot: "09:00-09:30", OfferTicket: true}
		}),
		with("afterhours", func(v *View) {
			v.Screen = ScreenAfterHours
			v.AfterHours = AfterHoursView{Hours: []T{{"周一至周五 9:00-17:00", "Mon-Fri 9:00-17:00"}}, BookingQR: sampleQR,
				ResumesAt: "明天 09:00", Capture: true}
		}),
		with("capture-review", func(v *View) {
			v.Screen = ScreenCapture
			v.Capture = CaptureView{Stage: CaptureReview, Type: T{"户口簿", "household register"}, Image: qrLike(64), Pages: 1}
		}),
		with("pin", func(v *View) {
			v.Screen = ScreenPIN
			v.PIN = PINView{Entered: 3}
		}),
		with("service", func(v *View) {
			v.Screen = ScreenService
			v.Service = ServiceView{Device: "kiosk-1", Version: "1.4.0", Online: false, Pending: 7, Status: []StatusLine{
				{Name: T{"打印机", "Printer"}, OK: false, Detail: "缺纸"},
				{Name: T{"读卡器", "Card reader"}, OK: true},
			}}
		}),
		with("menu-large", func(v *View) {
			v.Screen = ScreenMenu
			v.LargeText = true
			v.Menu = MenuView{Greeting: "张*三", Items: menuItems()}
		}),
	}
}
