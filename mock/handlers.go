package mock

// handlers are the stateful operations, by specs.Operation.FullName. Any
// other operation of the specs is answered with its success example. Each
// vendor's file lists its own.
var handlers = merge(nxcloudHandlers, smsHandlers, numberCheckHandlers, pnsHandlers, channelHandlers, engagelabHandlers, didHandlers, nxccHandlers, voiceBroadcastHandlers, shortLinkHandlers, sipCDRHandlers, whatsappMsgHandlers, sipHandlers, elemailHandlers, elsmsHandlers, elwhatsappHandlers, appPushHandlers, webPushHandlers)

func merge(maps ...map[string]func(*Server, *call) reply) map[string]func(*Server, *call) reply {
	out := map[string]func(*Server, *call) reply{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
