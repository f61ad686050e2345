;;; evalens-output.el --- The *evalens-output* buffer of evalens  -*- lexical-binding: t; -*-

;; Part of evalens: loaded by evalens.el, which see.

;;; Commentary:

;; What runs print streams into `*evalens-output*', each run under a
;; header line ("── eval main.py:3") written when it first has something to
;; show.  The server runs requests one at a time, in order, so streamed
;; output belongs to the oldest run not yet answered (`evalens--runs').  A
;; run's traceback, or a value too long for an overlay, goes there too.

;;; Code:

(require 'subr-x)

(defvar evalens-max-width)              ; evalens.el

(defconst evalens-output-buffer-name "*evalens-output*")

(defvar evalens--runs nil
  "Runs sent and not yet answered, oldest first: (HEADER . WRITTEN).
The server runs them one at a time, in order, and streams a run's
output before answering it, so output belongs to the first.")

(defvar evalens--output-partial nil
  "Non-nil when the output buffer does not end with a newline.")

(defun evalens-output-buffer ()
  "The `*evalens-output*' buffer, created when needed."
  (or (get-buffer evalens-output-buffer-name)
      (with-current-buffer (get-buffer-create evalens-output-buffer-name)
        (setq buffer-undo-list t)
        (special-mode)
        (current-buffer))))

(defun evalens--output-insert (text)
  (when (and text (not (string-empty-p text)))
    (with-current-buffer (evalens-output-buffer)
      (let ((inhibit-read-only t)
            (windows (get-buffer-window-list (current-buffer) nil t)))
        (goto-char (point-max))
        (insert text)
        (setq evalens--output-partial (not (string-suffix-p "\n" text)))
        (dolist (window windows)
          (set-window-point window (point-max)))))))

(defun evalens--write-header (run)
  (when (and run (not (cdr run)))
    (when evalens--output-partial (evalens--output-insert "\n"))
    (evalens--output-insert (concat "── " (car run) "\n"))
    (setcdr run t)))

(defun evalens--output-append (text)
  "Append streamed TEXT, under the header of the oldest unfinished run."
  (when (and text (not (string-empty-p text)))
    (evalens--write-header (car evalens--runs))
    (evalens--output-insert text)))

(defun evalens--end-run (run result)
  "RUN ended with RESULT: its traceback or long value go to the output buffer."
  (let ((add (lambda (text)
               (evalens--write-header run)
               (when evalens--output-partial (evalens--output-insert "\n"))
               (evalens--output-insert text)))
        (err (and (listp result) (plist-get result :error)))
        (value (and (listp result) (plist-get result :value))))
    (cond ((and err (not (string-empty-p (or (plist-get err :traceback) ""))))
           (funcall add (plist-get err :traceback)))
          ((and value (let ((repr (or (plist-get value :repr) "")))
                        (or (> (length repr) evalens-max-width) (string-match-p "\n" repr))))
           (funcall add (concat (plist-get value :repr) "\n")))))
  (setq evalens--runs (delq run evalens--runs)))

(defun evalens-show-output ()
  "Show `*evalens-output*'."
  (interactive)
  (display-buffer (evalens-output-buffer)))

(provide 'evalens-output)
;;; evalens-output.el ends here
