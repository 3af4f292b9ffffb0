{{- define "warden.name" -}}{{ .Release.Name }}{{- end -}}

{{- define "warden.labels" -}}
app.kubernetes.io/name: warden
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "warden.serviceHost" -}}{{ .Release.Name }}.{{ .Release.Namespace }}.svc.{{ .Values.trustDomain }}{{- end -}}
