package nxcloud_test

// Tests of NXCloud WhatsApp messaging's two multipart uploads: files
// streamed from readers, signed over the headers alone.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/whatsapp"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/upload"
)

// TestWhatsAppMediaLifecycle: upload → get → send → delete; a deleted
// medium is gone; one the mock never saw is answered from the spec's
// example.
func TestWhatsAppMediaLifecycle(t *testing.T) {
	m := mock.Start(t)
	wa := waMsgClient(t, m)
	ctx := context.Background()
	jpeg := bytes.Repeat([]byte{0xFF, 0xD8, 0xFF, 0xE0}, 1024)
	up, err := wa.UploadMedia(ctx, whatsapp.UploadMediaParams{
		BusinessPhone: waMsgBusiness, MessagingProduct: whatsapp.MessagingProductWhatsApp, Type: whatsapp.MediaMimeTypeImageJPEG,
		File: upload.File{Name: "parcel.jpg", ContentType: "image/jpeg", Body: bytes.NewReader(jpeg)},
	})
	require.NoError(t, err, "a multipart upload, signed over the headers alone")
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, up.ID)

	get := whatsapp.GetMediaParams{BusinessPhone: waMsgBusiness, MessagingProduct: whatsapp.MessagingProductWhatsApp, MediaID: up.ID}
	del := whatsapp.DeleteMediaParams{BusinessPhone: waMsgBusiness, MessagingProduct: whatsapp.MessagingProductWhatsApp, MediaID: up.ID}
	info, err := wa.GetMedia(ctx, get)
	require.NoError(t, err)
	assert.Equal(t, "image/jpeg", info.MimeType)
	assert.Equal(t, "parcel.jpg", info.FileName)
	assert.True(t, strings.HasPrefix(info.URL, "https://") && strings.Contains(info.URL, up.ID), info.URL)

	_, err = wa.SendMessage(ctx, waMsg(whatsapp.MessageTypeImage, func(p *whatsapp.SendMessageParams) {
		p.Image = whatsapp.CaptionedMedia{ID: up.ID, Caption: "Your parcel"}
	}))
	require.NoError(t, err)

	// Another business number does not see it (the example answers).
	elsewhere := get
	elsewhere.BusinessPhone = "8613800001224"
	other, err := wa.GetMedia(ctx, elsewhere)
	require.NoError(t, err)
	assert.NotEqual(t, "parcel.jpg", other.FileName)

	done, err := wa.DeleteMedia(ctx, del)
	require.NoError(t, err)
	assert.True(t, done.Success)
	var ae *apierror.Error
	_, err = wa.GetMedia(ctx, get)
	require.ErrorAs(t, err, &ae, "a deleted medium is gone")
	assert.EqualValues(t, whatsapp.ResultCodeRequestFailed, ae.Code)
	_, err = wa.DeleteMedia(ctx, del)
	require.ErrorAs(t, err, &ae)
	assert.EqualValues(t, whatsapp.ResultCodeRequestFailed, ae.Code)

	// A medium the mock never saw (one a user sent, say): the example.
	unknown, err := wa.GetMedia(ctx, whatsapp.GetMediaParams{BusinessPhone: waMsgBusiness, MessagingProduct: whatsapp.MessagingProductWhatsApp, MediaID: "fd81acff-eea8-4d9d-acc9-6c62904d6615"})
	require.NoError(t, err)
	assert.Equal(t, "image/webp", unknown.MimeType)

	// The body names the medium with the page's own key.
	body, err := json.Marshal(get)
	require.NoError(t, err)
	assert.Contains(t, string(body), `"Media-ID":"`+up.ID+`"`)
}

// TestWhatsAppUploadLimits: the page's size limit of each kind of medium.
func TestWhatsAppUploadLimits(t *testing.T) {
	m := mock.Start(t)
	wa := waMsgClient(t, m)
	tests := []struct {
		typ  whatsapp.MediaMimeType
		size int
		ok   bool
	}{
		{whatsapp.MediaMimeTypeImageWebP, 100 << 10, true},
		{whatsapp.MediaMimeTypeImageWebP, 100<<10 + 1, false},
		{whatsapp.MediaMimeTypePDF, 900 << 10, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %d", tt.typ, tt.size), func(t *testing.T) {
			_, err := wa.UploadMedia(context.Background(), whatsapp.UploadMediaParams{
				BusinessPhone: waMsgBusiness, MessagingProduct: whatsapp.MessagingProductWhatsApp, Type: tt.typ,
				File: upload.File{Name: "f", Body: bytes.NewReader(make([]byte, tt.size))},
			})
			if tt.ok {
				require.NoError(t, err)
				return
			}
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.EqualValues(t, whatsapp.ResultCodeInvalidParameter, ae.Code)
		})
	}
}

// TestWhatsAppTemplateWithAnUploadedHeader: uploadTemplateFile's handle is
// what a media header's example names.
func TestWhatsAppTemplateWithAnUploadedHeader(t *testing.T) {
	m := mock.Start(t)
	wa := waMsgClient(t, m)
	ctx := context.Background()
	h, err := wa.UploadTemplateFile(ctx, whatsapp.UploadTemplateFileParams{
		BusinessPhone: waMsgBusiness, MessagingProduct: whatsapp.MessagingProductWhatsApp, Type: whatsapp.UploadTemplateFileParamsTypeImagePNG,
		File: upload.File{Name: "header.png", ContentType: "image/png", Body: strings.NewReader("\x89PNG")},
	})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(h.ID, "4:"), h.ID)

	p := waTemplate("parcel_photo", whatsapp.TemplateLanguageEnglish, "Here is your parcel.")
	p.Components = append([]whatsapp.TemplateComponent{{
		Type: whatsapp.ComponentTypeHeader, Format: whatsapp.HeaderFormatImage,
		Example: whatsapp.TemplateExample{HeaderHandle: h.ID},
	}}, p.Components...)
	_, err = wa.CreateTemplate(ctx, p)
	require.NoError(t, err)
	page := waList(t, wa, whatsapp.ListTemplatesParams{Name: "parcel_photo"})
	require.Len(t, page.Data, 1)
	assert.Equal(t, h.ID, page.Data[0].Components[0].Example.HeaderHandle)
}
