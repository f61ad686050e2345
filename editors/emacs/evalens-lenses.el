;;; evalens-lenses.el --- Code lenses of evalens, drawn above functions  -*- lexical-binding: t; -*-

;; Part of evalens: loaded by evalens.el, which see.

;;; Commentary:

;; eglot 1.9 has no code lens UI, so evalens draws the server's lenses
;; itself, as overlays above the line of each function (`▶ main()', then
;; the last result); the lenses of one line share it (a cell's `Run cell |
;; Run above | Run below').  They are asked when eglot starts managing a buffer,
;; once edits pause, after runs, on save and when the server asks
;; (workspace/codeLens/refresh); the lenses shown stay, moving with the
;; text, until the answer replaces them.  One request at a time per buffer.

;;; Code:

(require 'cl-lib)
(require 'eglot)
(require 'jsonrpc)
(require 'evalens-server)

(defvar evalens-show-lenses)            ; evalens.el

(defface evalens-lens-face '((t :inherit shadow :height 0.9))
  "Face of code lens titles."
  :group 'evalens)

(defvar-local evalens--lens-state nil
  "Where this buffer's lens requests are: nil (none), `asked', or `again'.
A request made while one is in flight is sent once that one is answered.")

(defvar-local evalens--lens-updates 0
  "How many lens answers have been shown in this buffer.")

(defvar-local evalens--lens-timer nil
  "The timer that asks for lenses again after an edit.")

(defun evalens--clear-lenses ()
  (remove-overlays (point-min) (point-max) 'evalens-lens t))

(defun evalens--lens-items (lenses)
  "LENSES (a codeLens answer) by line: ((LINE (TITLE COMMAND ARGUMENT) ...) ...)."
  (let (lines)
    (cl-loop for lens across lenses
             for command = (plist-get lens :command)
             for line = (plist-get (plist-get (plist-get lens :range) :start) :line)
             for arguments = (plist-get command :arguments)
             when command do
             (let ((entry (or (assq line lines) (car (push (list line) lines)))))
               (setcdr entry (append (cdr entry)
                                     (list (list (plist-get command :title) (plist-get command :command)
                                                 (and (> (length arguments) 0) (elt arguments 0))))))))
    (nreverse lines)))

(defun evalens--show-lenses (lenses)
  "Replace the lenses shown with LENSES, all at once.
The lenses of one line (a cell's Run cell, Run above and Run below) share
the line drawn above it, their titles separated by \" | \"."
  (evalens--clear-lenses)
  (setq evalens--lens-updates (1+ evalens--lens-updates))
  (when evalens-show-lenses
    (save-excursion
      (save-restriction
        (widen)
        (pcase-dolist (`(,line . ,items) (evalens--lens-items lenses))
          (goto-char (point-min))
          (forward-line line)
          (let ((ov (make-overlay (point) (point) nil nil nil))
                (title (mapconcat #'car items " | ")))
            (overlay-put ov 'evalens-lens t)
            (overlay-put ov 'evalens-lens-title title)
            (overlay-put ov 'evalens-lens-items items)
            (overlay-put ov 'before-string
                         (concat (make-string (current-indentation) ?\s)
                                 (propertize title 'face 'evalens-lens-face) "\n"))))))))

(defun evalens-refresh-lenses ()
  "Ask the server for this buffer's code lenses and show them (asynchronously).
The lenses shown stay, moving with the text, until the answer replaces
them; an answer for text edited since it was asked is dropped (the edit
asks again)."
  (interactive)
  (when-let ((server (and evalens-show-lenses (evalens--running-server))))
    (if evalens--lens-state
        (setq evalens--lens-state 'again)
      (let ((buffer (current-buffer))
            (tick (buffer-chars-modified-tick))
            (done (lambda (buffer)
                    (when (buffer-live-p buffer)
                      (with-current-buffer buffer
                        (let ((again (eq evalens--lens-state 'again)))
                          (setq evalens--lens-state nil)
                          (when again (evalens-refresh-lenses))))))))
        (setq evalens--lens-state 'asked)
        (evalens--async-request
         server :textDocument/codeLens
         (list :textDocument (eglot--TextDocumentIdentifier))
         :success-fn (lambda (lenses)
                       (when (buffer-live-p buffer)
                         (with-current-buffer buffer
                           (when (= tick (buffer-chars-modified-tick))
                             (evalens--show-lenses (or lenses [])))))
                       (funcall done buffer))
         :error-fn (lambda (_err) (funcall done buffer)))))))

(defun evalens--refresh-lenses-in (buffer)
  "Ask for the lenses of BUFFER, if it is still there."
  (when (buffer-live-p buffer)
    (with-current-buffer buffer
      (setq evalens--lens-timer nil)
      (evalens-refresh-lenses))))

(defun evalens--lenses-soon (&rest _)
  "Ask for lenses once the edits pause (`eglot-send-changes-idle-time').
Until then the lenses shown stay, moved with the text."
  (when evalens--lens-timer (cancel-timer evalens--lens-timer))
  (setq evalens--lens-timer
        (run-at-time eglot-send-changes-idle-time nil #'evalens--refresh-lenses-in (current-buffer))))

(defun evalens--managed ()
  "Eglot starts or stops managing the buffer: show or remove the lenses.
eglot runs this before it sends textDocument/didOpen: lenses asked at once
would be of no document, so they are asked right after."
  (if (eglot-managed-p)
      (run-at-time 0 nil #'evalens--refresh-lenses-in (current-buffer))
    (setq evalens--lens-state nil)
    (evalens--clear-lenses)))

(defun evalens-lenses ()
  "The lenses shown in this buffer: a list of (LINE TITLE), LINE 1-based."
  (cl-loop for ov in (overlays-in (point-min) (point-max))
           when (overlay-get ov 'evalens-lens)
           collect (list (line-number-at-pos (overlay-start ov)) (overlay-get ov 'evalens-lens-title))))

(defun evalens--lens-shows-p (buffer pos argument)
  "Non-nil when a lens of BUFFER above the line of POS makes ARGUMENT's call.
Its title then shows the result."
  (and evalens-show-lenses
       (with-current-buffer buffer
         (save-excursion
           (goto-char pos)
           (cl-some (lambda (item)
                      (let ((lens (nth 2 item)))
                        (and (equal (plist-get lens :target) (plist-get argument :target))
                             (equal (plist-get lens :uri) (plist-get argument :uri)))))
                    (evalens--lens-items-at (point)))))))

(defun evalens--lens-items-at (pos)
  "The lenses drawn above the line of POS: ((TITLE COMMAND ARGUMENT) ...)."
  (save-excursion
    (goto-char pos)
    (cl-loop for ov in (overlays-in (line-beginning-position) (1+ (line-beginning-position)))
             when (overlay-get ov 'evalens-lens) append (overlay-get ov 'evalens-lens-items))))

(provide 'evalens-lenses)
;;; evalens-lenses.el ends here
