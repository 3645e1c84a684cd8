package nxcloud_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/gen/nxcloud/voice"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
)

// A voice record as the page's examples show it (messageid a JSON number)
// or as the tables describe it (text), and a group call with no key
// pressed, are all kept: the client refuses none of these answers.
func TestVoiceRecordTakesEitherShapeOfItsContradictedFields(t *testing.T) {
	for _, tc := range []struct {
		name, row   string
		id, pressed string
	}{
		{"the examples' numbers", `{"messageid":784522,"phone":"810022458","result":"Successful connection","ivr_result":1}`, "784522", "1"},
		{"the tables' text", `{"messageid":"20d6c660bd664c65bef20026564b0b79","phone":"810022458","result":"ok","ivr_result":"1"}`, "20d6c660bd664c65bef20026564b0b79", "1"},
		{"no key pressed, as text", `{"messageid":"35618","phone":"85987053821","result":"ok","ivr_result":""}`, "35618", ""},
		{"no key pressed, as null", `{"messageid":35618,"phone":"85987053821","result":"ok","ivr_result":null}`, "35618", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"code":"1","info":{"total":1,"page":1,"pageSize":5,"rows":[`+tc.row+`]}}`)
			}))
			defer srv.Close()
			c, err := nxcloud.NewClient("", "", option.WithBaseURL(srv.URL), option.WithoutRetries(),
				option.WithAppCredentials("voice", "mock-voice-appkey", "mock-voice-secret"))
			require.NoError(t, err)
			page, err := c.Voice.ListRecords(context.Background(), voice.ListRecordsParams{VoiceType: voice.ListRecordsParamsVoiceTypeGroupCall,
				StartTime: "2019-09-09 09:00:00", EndTime: "2019-09-09 10:00:00", Page: 1, PageSize: 5})
			require.NoError(t, err)
			require.Len(t, page.Info.Rows, 1)
			assert.Equal(t, tc.id, fmt.Sprint(page.Info.Rows[0].Messageid))
			assert.Equal(t, tc.pressed, fmt.Sprint(page.Info.Rows[0].IvrResult))
		})
	}
}
