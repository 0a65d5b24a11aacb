package flow

import "fmt"

// Citizen texts: Chinese first, short and plain for elderly users.
var (
	txtPaperEnd     = Text{"打印机缺纸，暂停取号，请联系工作人员", "The printer is out of paper. Tickets are paused; please ask staff."}
	txtCoverOpen    = Text{"打印机盖未关好，暂停取号，请联系工作人员", "The printer cover is open. Tickets are paused; please ask staff."}
	txtPrinterOff   = Text{"打印机未连接，暂停取号，请联系工作人员", "The printer is not connected. Tickets are paused; please ask staff."}
	txtPrinterCheck = Text{"正在检查打印机，请稍候", "Checking the printer, please wait."}

	txtNotIssuing     = Text{"暂停取号", "Not issuing tickets now"}
	txtIssueEnded     = Text{"今日取号已结束", "Ticket issue has ended for today"}
	txtApptOnly       = Text{"仅限预约办理", "By appointment only"}
	txtLoading        = Text{"正在获取业务列表，请稍候", "Loading the services, please wait."}
	txtServiceClosed  = Text{"您选择的业务刚刚暂停取号，请重新选择", "The service you chose has just stopped issuing tickets. Please choose again."}
	txtServiceRefused = Text{"该业务暂时无法取号", "This service cannot issue a ticket now."}

	txtCardAgain      = Text{"请重新放置身份证", "Please place your ID card again."}
	txtCardPulled     = Text{"读卡未完成，请重新放置身份证，放稳不动", "The card was removed too early. Place it again and keep it still."}
	txtCardFake       = Text{"证件无法验证，请联系工作人员", "This card cannot be verified. Please ask staff."}
	txtCardExpired    = Text{"身份证已过期，请使用有效证件", "This ID card has expired. Please use a valid card."}
	txtCardInvalid    = Text{"身份证信息校验失败，请重新放置身份证", "The card data failed its check. Please place the card again."}
	txtCardType       = Text{"不支持该证件类型，请使用居民身份证或居住证", "This card type is not supported. Please use a resident ID card or residence permit."}
	txtReaderFault    = Text{"读卡器故障，可点“无身份证取号”或联系工作人员", "The card reader has a fault. Tap \"No ID card\" or ask staff."}
	txtReaderOffline  = Text{"读卡器暂不可用，可点“无身份证取号”", "The card reader is not available. Tap \"No ID card\"."}
	txtSecondCard     = Text{"请先完成当前操作；换人请点“重新开始”", "Please finish first. For another person, tap \"Start over\"."}
	txtCardNotNow     = Text{"如需使用身份证，请点“重新开始”", "To use an ID card, tap \"Start over\"."}
	txtClosedCard     = Text{"现在不在取号时间，仍可自助提交材料", "Tickets are not issued now. You can still submit documents."}
	txtNeedCardForDoc = Text{"提交材料需要身份证，请放置身份证", "Please place your ID card to submit documents."}
	txtPleaseWait     = Text{"正在处理，请稍候", "Working on it, please wait."}

	txtApptUnavailable = Text{"暂时无法查询预约；如有预约请联系工作人员", "Appointments cannot be checked now. If you booked, please ask staff."}
	txtApptLapsed      = Text{"您已超过预约时间30分钟，预约已失效。可以取普通号。", "You are more than 30 minutes late, so the appointment has lapsed. You can take a normal ticket."}
	txtCheckedIn       = Text{"预约签到成功", "Appointment checked in"}

	txtIssueUnfinished = Text{"取号未完成，请联系工作人员", "The ticket could not be completed. Please ask staff."}
	txtIssueFailed     = Text{"暂时无法取号，请联系工作人员", "A ticket cannot be issued now. Please ask staff."}
	txtGreenOn         = Text{"绿色通道已开启", "Green channel unlocked"}

	txtCameraMissing = Text{"未检测到高拍仪，请联系工作人员", "The document camera is not connected. Please ask staff."}
	txtCameraBroken  = Text{"高拍仪画面异常，请联系工作人员", "The document camera is not working. Please ask staff."}
	txtNoFrame       = Text{"还没有画面，请稍候再拍", "No picture yet. Please wait a moment."}
	txtPageLimit     = Text{"已达到页数上限，请点“完成”", "Page limit reached. Please tap \"Finish\"."}
	txtNoPages       = Text{"还没有拍照", "No page captured yet."}
	txtUploadFailed  = Text{"材料上传失败，请再试一次或联系工作人员", "The pages could not be uploaded. Try again or ask staff."}
	txtUploadLost    = Text{"材料上传未完成，请联系工作人员", "The upload did not finish. Please ask staff."}

	txtWrongPIN  = Text{"密码错误", "Wrong PIN"}
	txtPINLocked = Text{"密码错误次数过多，请稍后再试", "Too many wrong PINs. Please try again later."}

	txtTestPrinting = Text{"正在打印测试页", "Printing a test page"}
	txtTestPrinted  = Text{"测试打印完成", "Test print done"}
	txtPlaceCard    = Text{"请放置身份证", "Please place an ID card"}
	txtReading      = Text{"正在读卡", "Reading the card"}

	txtChNormal     = Text{"普通", "Normal"}
	txtChLove       = Text{"爱心通道", "Love channel (priority)"}
	txtChGreen      = Text{"绿色通道", "Green channel"}
	txtChAppt       = Text{"预约", "Appointment"}
	txtByAge        = Text{"按年龄优先", "Priority by age"}
	txtUnverified   = Text{"需工作人员核实", "Staff will confirm"}
	txtChRefused    = Text{"该业务不设此通道", "Not offered for this service"}
	txtOtherGroup   = Text{"其他业务", "Other services"}
	txtCameraOK     = Text{"正常", "OK"}
	txtCameraUnused = Text{"未使用", "Not used yet"}
)

func printerText(p PrinterState) Text {
	switch p {
	case PrinterPaperEnd:
		return txtPaperEnd
	case PrinterCoverOpen:
		return txtCoverOpen
	case PrinterOffline:
		return txtPrinterOff
	case PrinterUnknown:
		return txtPrinterCheck
	}
	return Text{}
}

func printerWhy(p PrinterState) Text {
	switch p {
	case PrinterPaperEnd:
		return Text{"打印机缺纸", "out of paper"}
	case PrinterCoverOpen:
		return Text{"打印机盖未关好", "cover open"}
	case PrinterOffline:
		return Text{"打印机未连接", "printer not connected"}
	}
	return Text{"打印机故障", "printer fault"}
}

// txtNotPrinted is the print-problem text: the ticket exists, so the
// citizen keeps the number and staff serve it; it is never issued again.
func txtNotPrinted(number string, p PrinterState) Text {
	w := printerWhy(p)
	return Text{
		fmt.Sprintf("号票未能打印（%s）。您的号码是 %s，请记下号码并联系工作人员。", w.ZH, number),
		fmt.Sprintf("The ticket could not be printed (%s). Your number is %s: please note it and ask staff.", w.EN, number),
	}
}

func txtDuplicate(number string) Text {
	if number == "" {
		return Text{"您已取过该业务的号，请耐心等候", "You already hold a ticket for this service. Please wait to be called."}
	}
	return Text{
		fmt.Sprintf("您已取过该业务的号（%s），请耐心等候", number),
		fmt.Sprintf("You already hold ticket %s for this service. Please wait to be called.", number),
	}
}

func txtApptEarly(hm string) Text {
	if hm == "" {
		return Text{"您的预约时间未到，请稍后再来签到", "It is too early for your appointment. Please check in later."}
	}
	return Text{
		fmt.Sprintf("您的预约时间未到，请于 %s 后再来签到", hm),
		fmt.Sprintf("It is too early for your appointment. Please check in after %s.", hm),
	}
}

func txtOpensAt(hm string) Text {
	return Text{fmt.Sprintf("%s 开始取号", hm), fmt.Sprintf("Tickets from %s", hm)}
}

func txtCardOK(masked string) Text {
	return Text{"读卡正常：" + masked, "Card read OK: " + masked}
}

func channelName(c string) Text {
	switch c {
	case "love":
		return txtChLove
	case "green":
		return txtChGreen
	case "appointment":
		return txtChAppt
	}
	return txtChNormal
}
