package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/gen/nxcloud/email"
	"github.com/verikit/verikit/gen/nxcloud/flashcall"
	"github.com/verikit/verikit/gen/nxcloud/numbercheck"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/gen/nxcloud/sms"
	"github.com/verikit/verikit/gen/nxcloud/voice"
	"github.com/verikit/verikit/gen/nxcloud/waintegrator"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/webhook"
)

func demoCommand(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Run every operation and callback against an in-process mock (no credentials, no network)",
		Long: `demo starts the mock server on loopback, then calls every operation through
the generated clients with real signing and authentication: OTA login,
WhatsApp registration (get-code -> check-code), and EngageLab templates
and send -> verify. The mock fires an OTA result callback and a signed
EngageLab status callback at webhook receivers served in-process. A few
calls fail on purpose to show the typed errors. It prints what happened on
stderr and exits 1 if anything behaved unexpectedly.`,
		Example: `  go run ./cmd/verikit demo`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return failed(runDemo(cmd.Context(), env))
		},
	}
}

// demoStep is one call of the demo and what it should do.
type demoStep struct {
	what string
	// group is the product a sweep step belongs to ("nxcloud pns"): the
	// sweep prints its steps under a line per product.
	group string
	// run makes the call and describes the outcome; wantErr says the call
	// is the deliberate failure.
	run     func(ctx context.Context) (string, error)
	wantErr bool
}

func runDemo(ctx context.Context, env Env) error {
	var invalidMu sync.Mutex
	var invalid []string
	m, err := mock.New(mock.Config{OnInvalidResponse: func(op string, err error) {
		invalidMu.Lock()
		defer invalidMu.Unlock()
		invalid = append(invalid, fmt.Sprintf("%s: %v", op, err))
	}})
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: cannot listen on loopback: %w", err)
	}
	ctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	rec := &servedOps{next: m, seen: map[string]bool{}}
	go func() { served <- mock.Serve(ctx, l, rec) }()
	defer func() { stop(); <-served }()

	base := "http://" + l.Addr().String()
	fmt.Fprintf(env.Stderr, "verikit demo: mock NXCloud and EngageLab serving on %s (in-process, no network)\n\n", base)

	nxOpts := []option.Option{option.WithBaseURL(base)}
	for _, v := range appCredentialVars {
		if v.vendor == "nxcloud" {
			key, secret := m.AppCredentials(v.set)
			nxOpts = append(nxOpts, option.WithAppCredentials(v.set, key, secret))
		}
	}
	nx, err := nxcloud.NewClient(mock.DefaultAccessKey, mock.DefaultAccessSecret, nxOpts...)
	if err != nil {
		return err
	}
	nxSHA, err := nxcloud.NewClient(mock.DefaultAccessKey, mock.DefaultAccessSecret, option.WithBaseURL(base), option.WithSignAlgorithm(sign.SHA256))
	if err != nil {
		return err
	}
	elOpts := []option.Option{option.WithBaseURL(base)}
	for _, v := range appCredentialVars {
		if v.vendor == "engagelab" {
			key, secret := m.AppCredentials(v.set)
			elOpts = append(elOpts, option.WithAppCredentials(v.set, key, secret))
		}
	}
	el, err := engagelab.NewClient(mock.DefaultDevKey, mock.DefaultDevSecret, elOpts...)
	if err != nil {
		return err
	}

	hooks, err := startDemoHooks(ctx)
	if err != nil {
		return err
	}
	defer hooks.stop()

	const appkey, phone, waPhone, recipient = "pem28kje", "8615800001795", "8618500000099", "+8613800138000"
	const templateID = "demo-login"
	var requestID, waAppKey, messageID, smsID, checkID, emailID, voiceID, flashID string

	steps := []demoStep{
		// NXCloud one-tap login, then its result callback.
		{what: "nxcloud ota init (MD5-signed)", run: func(ctx context.Context) (string, error) {
			link, err := nx.OTA.Init(ctx, ota.InitParams{Appkey: appkey, Phone: phone, UserIP: "203.0.113.7"})
			if err != nil {
				return "", err
			}
			requestID = link.RequestID
			return fmt.Sprintf("requestId=%s url=%s", link.RequestID, link.URL), nil
		}},
		{what: "nxcloud ota verify (SHA-256-signed)", run: func(ctx context.Context) (string, error) {
			res, err := nxSHA.OTA.Verify(ctx, ota.VerifyParams{Appkey: appkey, RequestID: requestID})
			if err != nil {
				return "", err
			}
			return "status=" + string(res.Status), nil
		}},
		{what: "nxcloud ota result callback -> webhook", run: func(ctx context.Context) (string, error) {
			if err := m.SendOTAResult(ctx, hooks.url+"/ota", requestID); err != nil {
				return "", err
			}
			return hooks.last(), nil
		}},
		// NXCloud WhatsApp embedded registration.
		{what: "nxcloud wa login (signed, no body)", run: func(ctx context.Context) (string, error) {
			login, err := nx.WhatsApp.Login(ctx)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("token of %d characters", len(login.Token)), nil
		}},
		{what: "nxcloud wa get-code (sms)", run: func(ctx context.Context) (string, error) {
			err := nx.WhatsApp.GetCode(ctx, waintegrator.GetCodeParams{PhoneNumber: waPhone, Method: waintegrator.CodeMethodSMS})
			return "code sent to " + waPhone, err
		}},
		{what: "nxcloud wa check-code (right code)", run: func(ctx context.Context) (string, error) {
			err := nx.WhatsApp.CheckCode(ctx, waintegrator.CheckCodeParams{PhoneNumber: waPhone, Code: mock.DefaultWhatsAppCode})
			return "number confirmed", err
		}},
		{what: "nxcloud wa create-client", run: func(ctx context.Context) (string, error) {
			err := nx.WhatsApp.CreateClient(ctx, waintegrator.CreateClientParams{PhoneNumber: waPhone})
			return "local client created", err
		}},
		{what: "nxcloud wa create-app", run: func(ctx context.Context) (string, error) {
			app, err := nx.WhatsApp.CreateApp(ctx, waintegrator.CreateAppParams{AppName: "Demo", Webhook: "https://example.com/wa"})
			if err != nil {
				return "", err
			}
			waAppKey = app.AppKey
			return fmt.Sprintf("app_id=%d app_key=%s", app.AppID, app.AppKey), nil
		}},
		{what: "nxcloud wa phone-list", run: func(ctx context.Context) (string, error) {
			phones, err := nx.WhatsApp.PhoneList(ctx, waintegrator.PhoneListParams{Appkey: waAppKey})
			if err != nil {
				return "", err
			}
			var out []string
			for _, p := range phones {
				out = append(out, fmt.Sprintf("%s %s register_status=%d", p.DisplayPhoneNumber, p.Status, p.RegisterStatus))
			}
			return strings.Join(out, ", "), nil
		}},
		{what: "nxcloud wa check-code (code already used)", wantErr: true, run: func(ctx context.Context) (string, error) {
			err := nx.WhatsApp.CheckCode(ctx, waintegrator.CheckCodeParams{PhoneNumber: waPhone, Code: mock.DefaultWhatsAppCode})
			return "", err
		}},
		{what: "nxcloud ota verify (unknown requestId)", wantErr: true, run: func(ctx context.Context) (string, error) {
			_, err := nx.OTA.Verify(ctx, ota.VerifyParams{Appkey: appkey, RequestID: "00000000000000000000000000000000"})
			return "", err
		}},
		// NXCloud SMS: the application's key pair instead of a signature, a
		// record, the delivery receipt, and the conversion report (once).
		{what: "nxcloud sms send (form, app key pair)", run: func(ctx context.Context) (string, error) {
			res, err := nx.SMS.Send(ctx, sms.SendParams{Phone: "8615088888888", Content: "Your code is 398512"})
			if err != nil {
				return "", err
			}
			smsID = res.Messageid
			return "messageid=" + res.Messageid, nil
		}},
		{what: "nxcloud sms get-record", run: func(ctx context.Context) (string, error) {
			rec, err := nx.SMS.GetRecord(ctx, sms.GetRecordParams{Date: time.Now().Format("20060102"), Messageid: smsID})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%s to %s: %s", rec.Row.Msgid, rec.Row.Phone, rec.Row.DrStatus), nil
		}},
		{what: "nxcloud sms list-records (today)", run: func(ctx context.Context) (string, error) {
			list, err := nx.SMS.ListRecords(ctx, sms.ListRecordsParams{Date: time.Now().Format("20060102"), Page: 1, PageSize: 100})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%d message(s) today", list.Info.Total), nil
		}},
		{what: "nxcloud sms delivery receipt -> webhook", run: func(ctx context.Context) (string, error) {
			if err := m.SendSMSReceipt(ctx, hooks.url+"/sms-dr", smsID); err != nil {
				return "", err
			}
			return hooks.last(), nil
		}},
		{what: "nxcloud sms report-conversion (plain text)", run: func(ctx context.Context) (string, error) {
			return "accepted", nx.SMS.ReportConversion(ctx, sms.ReportConversionParams{Messageid: smsID, Status: "10"})
		}},
		{what: "nxcloud sms report-conversion (again)", wantErr: true, run: func(ctx context.Context) (string, error) {
			return "", nx.SMS.ReportConversion(ctx, sms.ReportConversionParams{Messageid: smsID, Status: "10"})
		}},
		// NXCloud number check: signed, paginated, and its result callback.
		{what: "nxcloud number-check check", run: func(ctx context.Context) (string, error) {
			res, err := nx.NumberCheck.Check(ctx, numbercheck.CheckParams{Phone: "2348000012345,2348000012346,2348000012347", Appkey: "a1b2c3d4"})
			if err != nil {
				return "", err
			}
			checkID = res.MessageID
			return "messageId=" + res.MessageID, nil
		}},
		{what: "nxcloud number-check list-records (all pages)", run: func(ctx context.Context) (string, error) {
			n, pages := 0, 0
			for page, err := range nx.NumberCheck.ListRecordsPages(ctx, numbercheck.ListRecordsParams{Date: time.Now().Format(time.DateOnly), MessageID: checkID, PageSize: 2}) {
				if err != nil {
					return "", err
				}
				pages++
				n += len(page.Result)
			}
			return fmt.Sprintf("%d results on %d pages", n, pages), nil
		}},
		{what: "nxcloud number-check results -> webhook", run: func(ctx context.Context) (string, error) {
			if err := m.SendNumberCheckResult(ctx, hooks.url+"/number-check", checkID); err != nil {
				return "", err
			}
			return hooks.last(), nil
		}},
		// E-mail, voice and flash call: send, receipt, record, conversion.
		{what: "nxcloud email send (JSON, app key pair)", run: func(ctx context.Context) (string, error) {
			res, err := nx.Email.Send(ctx, email.SendParams{From: "noreply@mail.example.com", To: "li.wei@example.com", TemplateName: "login-code",
				TemplateData: email.TemplateData{VCode: "398512"}})
			if err != nil {
				return "", err
			}
			emailID = res.Result
			return "messageId=" + emailID, nil
		}},
		{what: "nxcloud email receipt -> webhook", run: func(ctx context.Context) (string, error) {
			if err := m.SendEmailReceipt(ctx, hooks.url+"/email", emailID); err != nil {
				return "", err
			}
			return hooks.last(), nil
		}},
		{what: "nxcloud email list-records", run: func(ctx context.Context) (string, error) {
			page, err := nx.Email.ListRecords(ctx, email.ListRecordsParams{MessageID: emailID})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%d record(s), to %s", page.Result.Total, page.Result.Records[0].Receiver), nil
		}},
		{what: "nxcloud voice send (form, app key pair)", run: func(ctx context.Context) (string, error) {
			res, err := nx.Voice.Send(ctx, voice.SendParams{Phone: "6281234567890", CountryCode: "62", ShowPhone: "6221500123",
				Content: "Your verification code is 3-9-8-5-1-2", Lang: voice.LanguageEnglish})
			if err != nil {
				return "", err
			}
			voiceID = res.Messageid
			return "messageid=" + voiceID, nil
		}},
		{what: "nxcloud voice receipt -> webhook", run: func(ctx context.Context) (string, error) {
			if err := m.SendVoiceReceipt(ctx, hooks.url+"/voice", voiceID); err != nil {
				return "", err
			}
			return hooks.last(), nil
		}},
		{what: "nxcloud voice list-records (code \"1\" is success)", run: func(ctx context.Context) (string, error) {
			now := time.Now()
			list, err := nx.Voice.ListRecords(ctx, voice.ListRecordsParams{VoiceType: voice.ListRecordsParamsVoiceTypeVerificationOrNotification,
				StartTime: now.Add(-time.Hour).Format(time.DateTime), EndTime: now.Add(time.Hour).Format(time.DateTime), Page: 1, PageSize: 10})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%d call(s) in the last hour", list.Info.Total), nil
		}},
		{what: "nxcloud voice report-conversion (unsigned)", run: func(ctx context.Context) (string, error) {
			res, err := nx.Voice.ReportConversion(ctx, voice.ReportConversionParams{Messageid: voiceID, Status: voice.ReportConversionParamsStatusConverted})
			if err != nil {
				return "", err
			}
			return "code=" + string(res.Code), nil
		}},
		{what: "nxcloud flash-call send", run: func(ctx context.Context) (string, error) {
			res, err := nx.FlashCall.Send(ctx, flashcall.SendParams{Msisdn: "628618628952558"})
			if err != nil {
				return "", err
			}
			flashID = res.RequestID
			return "requestId=" + flashID + " token=" + res.Token, nil
		}},
		{what: "nxcloud flash-call get-record (GET, key pair in the query)", run: func(ctx context.Context) (string, error) {
			rec, err := nx.FlashCall.GetRecord(ctx, flashcall.GetRecordParams{RequestID: flashID})
			if err != nil {
				return "", err
			}
			return "called " + rec.Cdr.Msisdn + " from " + rec.Cdr.CallingNumber, nil
		}},
		{what: "nxcloud flash-call list-records", run: func(ctx context.Context) (string, error) {
			now := time.Now()
			list, err := nx.FlashCall.ListRecords(ctx, flashcall.ListRecordsParams{
				Start: now.Add(-time.Hour).Format(time.DateTime), End: now.Add(time.Hour).Format(time.DateTime)})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%d call(s) in the last hour", len(list.Cdrs)), nil
		}},
		{what: "nxcloud flash-call report-conversion (text ok)", run: func(ctx context.Context) (string, error) {
			return "accepted", nx.FlashCall.ReportConversion(ctx, flashcall.ReportConversionParams{RequestID: flashID, Action: flashcall.ReportConversionParamsActionConverted})
		}},
		{what: "nxcloud flash-call report-conversion (again)", wantErr: true, run: func(ctx context.Context) (string, error) {
			return "", nx.FlashCall.ReportConversion(ctx, flashcall.ReportConversionParams{RequestID: flashID, Action: flashcall.ReportConversionParamsActionConverted})
		}},
		// EngageLab: a template, a code sent and verified, the status callback.
		{what: "engagelab otp create-template", run: func(ctx context.Context) (string, error) {
			err := el.OTP.CreateTemplate(ctx, otp.TemplateConfig{
				TemplateID:          templateID,
				SendChannelStrategy: "sms",
				VerifyCodeConfig:    otp.VerifyCodeConfig{VerifyCodeType: 1, VerifyCodeLen: 6, VerifyCodeTTL: 5},
				SmsConfig:           otp.SMSConfig{TemplateType: otp.SMSConfigTemplateTypeDefault},
			})
			return "template " + templateID + " created", err
		}},
		{what: "engagelab otp get-template", run: func(ctx context.Context) (string, error) {
			t, err := el.OTP.GetTemplate(ctx, templateID)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%s status=%d strategy=%s", t.TemplateID, t.Status, t.SendChannelStrategy), nil
		}},
		{what: "engagelab otp send-message", run: func(ctx context.Context) (string, error) {
			res, err := el.OTP.SendMessage(ctx, otp.SendMessageParams{To: recipient, Template: otp.MessageTemplate{ID: templateID}})
			if err != nil {
				return "", err
			}
			messageID = res.MessageID
			return fmt.Sprintf("message_id=%s send_channel=%s", res.MessageID, res.SendChannel), nil
		}},
		{what: "engagelab otp verify (wrong code)", run: func(ctx context.Context) (string, error) { return otpVerify(ctx, el, messageID, "000000") }},
		{what: "engagelab otp verify (right code)", run: func(ctx context.Context) (string, error) { return otpVerify(ctx, el, messageID, mock.DefaultOTPCode) }},
		{what: "engagelab otp verify (again, after success)", wantErr: true, run: func(ctx context.Context) (string, error) {
			return otpVerify(ctx, el, messageID, mock.DefaultOTPCode)
		}},
		{what: "engagelab status callback -> webhook (signed)", run: func(ctx context.Context) (string, error) {
			row := fmt.Sprintf(`{"total":1,"rows":[{"message_id":%q,"to":%q,"server":"otp","channel":"sms","itime":%d,"status":{"message_status":"verified"}}]}`,
				messageID, recipient, time.Now().Unix())
			err := m.SendEngageLabCallback(ctx, hooks.url+"/engagelab", mock.EngageLabCallback{Secret: demoCallbackSecret, Username: "demo", Raw: []byte(row)})
			if err != nil {
				return "", err
			}
			return hooks.last(), nil
		}},
		{what: "engagelab otp send-code (your own code)", run: func(ctx context.Context) (string, error) {
			res, err := el.OTP.SendCode(ctx, otp.SendCodeParams{To: "+8613800138001", Code: "424242", Template: otp.MessageTemplate{ID: templateID}})
			if err != nil {
				return "", err
			}
			return "message_id=" + res.MessageID, nil
		}},
		{what: "engagelab otp send-custom-message", run: func(ctx context.Context) (string, error) {
			res, err := el.OTP.SendCustomMessage(ctx, otp.SendCustomMessageParams{To: "+8613800138002",
				Template: otp.CustomMessageTemplate{ID: templateID, Params: map[string]string{"code": "515151"}}})
			if err != nil {
				return "", err
			}
			return "message_id=" + res.MessageID, nil
		}},
		{what: "engagelab otp list-templates", run: func(ctx context.Context) (string, error) {
			list, err := el.OTP.ListTemplates(ctx)
			if err != nil {
				return "", err
			}
			var ids []string
			for _, t := range list {
				ids = append(ids, t.TemplateID)
			}
			return strings.Join(ids, ", "), nil
		}},
		{what: "engagelab otp delete-template", run: func(ctx context.Context) (string, error) {
			err := el.OTP.DeleteTemplate(ctx, templateID)
			return "template " + templateID + " deleted", err
		}},
		{what: "engagelab otp get-template (deleted)", wantErr: true, run: func(ctx context.Context) (string, error) {
			_, err := el.OTP.GetTemplate(ctx, templateID)
			return "", err
		}},
	}

	failures := runDemoSteps(ctx, env, steps)
	sweep, err := sweepSteps(&clients{nxcloud: nx, engagelab: el}, rec)
	if err != nil {
		return err
	}
	sweep = append(sweep, callbackSweep(m, hooks)...)
	sort.SliceStable(sweep, func(i, j int) bool { return sweep[i].group < sweep[j].group })
	if len(sweep) > 0 {
		fmt.Fprintf(env.Stderr, "\n  every other operation, and every spec callback, once, from its spec's example:\n")
	}
	failures += runDemoSteps(ctx, env, sweep)
	steps = append(steps, sweep...)
	invalidMu.Lock()
	for _, v := range invalid {
		fmt.Fprintf(env.Stderr, "  FAIL mock response broke its spec: %s\n", v)
		failures++
	}
	invalidMu.Unlock()
	if failures > 0 {
		return fmt.Errorf("demo: %d of %d checks did not behave as expected", failures, len(steps))
	}
	fmt.Fprintf(env.Stderr, "\nall %d calls behaved as expected; every mock response matched its spec\n", len(steps))
	return nil
}

// runDemoSteps runs the steps in order, prints a line for each, and
// returns how many did not behave as expected.
func runDemoSteps(ctx context.Context, env Env, steps []demoStep) int {
	failures, group := 0, ""
	for _, s := range steps {
		if s.group != "" && s.group != group {
			group = s.group
			fmt.Fprintf(env.Stderr, "  %s:\n", group)
		}
		out, err := s.run(ctx)
		mark, detail := "ok  ", out
		switch {
		case err != nil && s.wantErr:
			detail = "failed as intended: " + describeErr(err)
		case err != nil:
			mark, detail = "FAIL", describeErr(err)
			failures++
		case s.wantErr:
			mark, detail = "FAIL", "succeeded, but should have failed: "+out
			failures++
		}
		fmt.Fprintf(env.Stderr, "  %s %-46s %s\n", mark, s.what, detail)
	}
	return failures
}

func otpVerify(ctx context.Context, el *engagelab.Client, messageID, code string) (string, error) {
	res, err := el.OTP.Verify(ctx, otp.VerifyParams{MessageID: messageID, VerifyCode: code})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("verified=%t", res.Verified), nil
}

// demoCallbackSecret signs the demo's EngageLab callback; it only ever
// exists inside this process.
const demoCallbackSecret = "demo-callback-secret"

// demoHooks serves the webhook receivers the demo's callbacks go to, and
// remembers what the last one received.
type demoHooks struct {
	url    string
	stop   func()
	routes []specCallback // the spec callbacks it takes

	mu      sync.Mutex
	lastMsg string
}

func (h *demoHooks) record(s string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastMsg = s
}

func (h *demoHooks) last() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return "received " + h.lastMsg
}

func startDemoHooks(ctx context.Context) (*demoHooks, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: cannot listen on loopback: %w", err)
	}
	h := &demoHooks{url: "http://" + l.Addr().String()}
	mux := http.NewServeMux()
	mux.Handle("/ota", webhook.OTAHandler(func(_ context.Context, ev ota.CallbackEvent) error {
		h.record(fmt.Sprintf("requestId=%s status=%s drTime=%q", ev.RequestID, ev.Status, ev.DrTime))
		return nil
	}))
	mux.Handle("/sms-dr", webhook.SMSDeliveryReceiptHandler(func(_ context.Context, r sms.DeliveryReceiptCallback) error {
		h.record(fmt.Sprintf("messageid=%s result=%s (the generated receiver)", r.Messageid, r.Result))
		return nil
	}))
	mux.Handle("/number-check", webhook.NumberCheckHandler(func(_ context.Context, r numbercheck.NumberCheckCallback) error {
		h.record(fmt.Sprintf("the result of %s (the generated receiver)", r.Phone))
		return nil
	}))
	mux.Handle("/email", webhook.EmailReceiptHandler(func(_ context.Context, r email.ReceiptCallback) error {
		h.record(fmt.Sprintf("messageId=%s result=%s (the generated receiver)", r.MessageID, r.Result))
		return nil
	}))
	mux.Handle("/voice", webhook.VoiceReceiptHandler(func(_ context.Context, r voice.ReceiptCallback) error {
		h.record(fmt.Sprintf("messageid=%s %ss, %s (the generated receiver)", r.Messageid, r.Duration, r.Result))
		return nil
	}))
	mux.Handle("/engagelab", &webhook.EngageLab{
		Secret:   demoCallbackSecret,
		Username: "demo",
		MaxAge:   time.Minute,
		Handle: func(_ context.Context, events []webhook.EngageLabEvent) error {
			var out []string
			for _, e := range events {
				desc := string(e.Kind)
				if e.Row.Status != nil {
					desc += " " + string(e.Row.Status.MessageStatus)
				}
				out = append(out, desc)
			}
			h.record(fmt.Sprintf("%d event(s): %s, X-CALLBACK-ID verified", len(events), strings.Join(out, ", ")))
			return nil
		},
	})
	routes, err := specCallbackRoutes()
	if err != nil {
		return nil, err
	}
	for _, r := range routes { // each spec callback, as callbacks serve takes it
		cb := &webhook.Callback[map[string]any]{Spec: r.cb.Doc.Name, Schema: r.cb.Name,
			Handle: func(ctx context.Context, fields map[string]any) error {
				what := fmt.Sprintf("%d fields, checked against %s", len(fields), r.cb.Name)
				if p, ok := webhook.SignedParams(ctx); ok {
					what += fmt.Sprintf(", signature verified (action %s)", p.Action)
				}
				h.record(what)
				return nil
			}}
		if r.cb.Signed != nil { // the mock signs with its default account
			cb.Verifier = &sign.CallbackVerifier{Secret: sign.Secrets(map[string]string{mock.DefaultAccessKey: mock.DefaultAccessSecret})}
		}
		if r.cb.CallbackID { // and its default callback secret
			cb.CallbackID = &webhook.CallbackIDVerifier{Secret: mock.DefaultCallbackSecret, Username: mock.DefaultCallbackUsername}
		}
		mux.Handle(r.path, cb)
	}
	h.routes = routes
	serveCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() { defer close(done); _ = mock.Serve(serveCtx, l, mux) }()
	h.stop = func() { stop(); <-done }
	return h, nil
}

// describeErr shows the typed error a caller would get.
func describeErr(err error) string {
	var ae *apierror.Error
	if errors.As(err, &ae) && ae.HasCode {
		return fmt.Sprintf("*apierror.Error{HTTP %d, code %d, %q}", ae.StatusCode, ae.Code, ae.Message)
	}
	if errors.As(err, &ae) {
		return fmt.Sprintf("*apierror.Error{HTTP %d, %s, body %q}", ae.StatusCode, ae.Reason, ae.Body)
	}
	return err.Error()
}
