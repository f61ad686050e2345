;;; evalens-display.el --- Rich output of evalens: images, and the rest as text  -*- lexical-binding: t; -*-

;; Part of evalens: loaded by evalens.el, which see.

;;; Commentary:

;; A run shows MIME bundles (docs/protocol.md, "Rich output"), Jupyter's
;; shape: data (mime -> content, `text/plain' always there; PNG and JPEG
;; base64-encoded, SVG a string) and metadata.  `evalens-insert-bundle'
;; inserts one at point.  In a graphical Emacs that can show its image type
;; the image is shown, scaled down to fit the window; elsewhere (a terminal)
;; the bundle's text/plain, and for an image a button that opens it, written
;; to a file in this session's temporary folder (removed when Emacs exits).
;; HTML, Markdown, JSON and the rest show as their text/plain: a pandas
;; DataFrame as its text table.  Nothing here fetches anything.

;;; Code:

(require 'cl-lib)
(require 'subr-x)
(require 'button)

(defvar evalens-open-image-function)    ; evalens.el

(defconst evalens--image-types
  '((:image/png png "png" t)
    (:image/jpeg jpeg "jpg" t)
    (:image/svg+xml svg "svg" nil))
  "The image types of a bundle, preferred first: (KEY TYPE EXTENSION BASE64).
KEY is the MIME type as a bundle's plist has it, TYPE the image type of
`create-image', BASE64 non-nil when the content is base64-encoded.")

(defvar evalens--image-directory nil
  "This session's folder of the image files shown as links, or nil.
Made for the first of them, removed when Emacs exits.")

(defun evalens--remove-image-directory ()
  "Delete this session's folder of images (on `kill-emacs-hook')."
  (when (and evalens--image-directory (file-directory-p evalens--image-directory))
    (delete-directory evalens--image-directory t))
  (setq evalens--image-directory nil))

(defun evalens--image-directory ()
  "This session's folder of images, made (and removed on exit) when first needed."
  (unless (and evalens--image-directory (file-directory-p evalens--image-directory))
    (setq evalens--image-directory (make-temp-file "evalens-images-" t))
    (add-hook 'kill-emacs-hook #'evalens--remove-image-directory))
  evalens--image-directory)

(defun evalens--bundle-bytes (data key base64)
  "The content of DATA under KEY as bytes (a unibyte string), or nil.
BASE64 non-nil: it is decoded, and nil when it is not valid base64."
  (let ((content (plist-get data key)))
    (when (and (stringp content) (not (string-empty-p content)))
      (if base64
          (ignore-errors (base64-decode-string content))
        (encode-coding-string content 'utf-8)))))

(defun evalens--bundle-image (data graphic)
  "The image of DATA to show, as (KEY TYPE EXTENSION BYTES), or nil.
The first of `evalens--image-types' DATA has; when GRAPHIC, the first
this Emacs can show (`image-type-available-p')."
  (cl-loop for (key type extension base64) in evalens--image-types
           for bytes = (and (or (not graphic) (image-type-available-p type))
                            (evalens--bundle-bytes data key base64))
           when bytes return (list key type extension bytes)))

(defun evalens--image-room ()
  "How large an image may be in the current buffer: (WIDTH . HEIGHT) in pixels.
The text area of a window showing it, else of the selected frame."
  (let ((window (get-buffer-window (current-buffer) t)))
    (cons (max 1 (if window (window-body-width window t) (frame-text-width)))
          (max 1 (if window (window-body-height window t) (frame-text-height))))))

(defun evalens--image-spec (metadata key)
  "`create-image' properties for the image under KEY with METADATA.
Its width is metadata's `width' when given (a retina figure: twice the
pixels, shown at its size), at most the width available; else the
image's own, scaled down when wider than that.  Either way it is scaled
down to the height available: a tall figure fits the window too."
  (let* ((width (plist-get (plist-get metadata key) :width))
         (room (evalens--image-room))
         (height (list :max-height (cdr room))))
    (if (and (numberp width) (> width 0))
        (append (list :width (min (round width) (car room))) height)
      (append (list :max-width (car room)) height))))

(defun evalens--insert-image (image text metadata)
  "Insert IMAGE, (KEY TYPE EXTENSION BYTES); nil when it cannot be made.
TEXT, the bundle's text/plain, is the text under it when it is one line."
  (pcase-let ((`(,key ,type ,_ ,bytes) image))
    (when-let ((made (ignore-errors
                       (apply #'create-image bytes type t (evalens--image-spec metadata key)))))
      (insert-image made (if (or (string-empty-p text) (string-match-p "\n" text)) "[image]" text))
      (insert "\n")
      t)))

(defun evalens--open-image (button)
  "Open the image file of BUTTON with `evalens-open-image-function'."
  (funcall evalens-open-image-function (button-get button 'evalens-file)))

(defun evalens--insert-image-link (image)
  "Write IMAGE, (KEY TYPE EXTENSION BYTES), to a file; insert a button opening it."
  (pcase-let ((`(,_ ,_ ,extension ,bytes) image))
    (let ((file (make-temp-file (expand-file-name "display-" (evalens--image-directory))
                                nil (concat "." extension))))
      (let ((coding-system-for-write 'no-conversion))
        (write-region bytes nil file nil 'silent))
      (insert-text-button (format "[image: %s]" file)
                          'evalens-file file
                          'action #'evalens--open-image
                          'follow-link t
                          'help-echo "RET or mouse-1: open the image")
      (insert "\n"))))

(defun evalens-insert-bundle (data metadata)
  "Insert the MIME bundle DATA, with METADATA, at point; it ends with a newline.
DATA and METADATA are plists keyed by MIME type (:text/plain, :image/png).
A graphical Emacs that can show its image shows the image; else its
text/plain, then, for an image, a button opening the image's file (an
Emacs without that image type, a terminal)."
  (let* ((plain (plist-get data :text/plain))
         (text (if (stringp plain) plain ""))
         (shown (and (display-graphic-p) (evalens--bundle-image data t))))
    (unless (and shown (evalens--insert-image shown text metadata))
      (unless (string-empty-p text)
        (insert text)
        (unless (string-suffix-p "\n" text) (insert "\n")))
      (when-let ((image (evalens--bundle-image data nil)))
        (evalens--insert-image-link image)))))

(defun evalens-bundle-image-p (data)
  "Non-nil when the bundle DATA has an image of a type evalens shows."
  (cl-some (lambda (type) (stringp (plist-get data (car type)))) evalens--image-types))

(provide 'evalens-display)
;;; evalens-display.el ends here
